/// Conversions of the 16-bit float formats (IEEE half, bfloat16) and the other safetensors element
/// types to Float32, written out so they behave the same on every platform.
public enum FloatConversion {
    /// IEEE 754 binary16 bits to Float.
    public static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h & 0x3ff)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2⁻²⁴ (exact in Float).
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1f {
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// bfloat16 bits to Float.
    public static func float(fromBFloat16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Little-endian elements of `dtype` converted to Float.
    static func floats(from bytes: UnsafeRawBufferPointer, dtype: SafeTensorsDType) -> [Float] {
        let count = bytes.count / dtype.byteSize
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            func convert<T>(_ type: T.Type, _ transform: (T) -> Float) {
                for i in 0..<count {
                    out[i] = transform(bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                }
            }
            switch dtype {
            case .F32:
                if count > 0 { UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: bytes.baseAddress!, byteCount: count * 4) }
            case .F16: convert(UInt16.self) { float(fromHalf: UInt16(littleEndian: $0)) }
            case .BF16: convert(UInt16.self) { float(fromBFloat16: UInt16(littleEndian: $0)) }
            case .F64: convert(UInt64.self) { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
            case .I64: convert(Int64.self) { Float(Int64(littleEndian: $0)) }
            case .I32: convert(Int32.self) { Float(Int32(littleEndian: $0)) }
            case .I16: convert(Int16.self) { Float(Int16(littleEndian: $0)) }
            case .I8: convert(Int8.self) { Float($0) }
            case .U64: convert(UInt64.self) { Float(UInt64(littleEndian: $0)) }
            case .U32: convert(UInt32.self) { Float(UInt32(littleEndian: $0)) }
            case .U16: convert(UInt16.self) { Float(UInt16(littleEndian: $0)) }
            case .U8: convert(UInt8.self) { Float($0) }
            case .BOOL: convert(UInt8.self) { $0 != 0 ? 1 : 0 }
            }
            initialized = count
        }
    }
}

import FindColorParallel
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

    /// Float to bfloat16 bits, rounded to nearest, ties to even (finite values; NaN stays NaN).
    public static func bfloat16(from f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x40 }
        return UInt16((bits &+ 0x7fff &+ ((bits >> 16) & 1)) >> 16)
    }

    /// Converts `count` floats to bfloat16 bits (as `bfloat16(from:)`, NaN aside: inputs are
    /// finite activations), split across the compute threads for large counts.
    public static func convertToBFloat16(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>,
                                         count: Int) {
        Parallel.forEachRange(count, minimumChunk: 1 << 16) { range in
            var i = range.lowerBound
            let src = UnsafeRawPointer(source), dst = UnsafeMutableRawPointer(destination)
            while i + 16 <= range.upperBound {
                let bits = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<UInt32>.self)
                let rounded = (bits &+ 0x7fff &+ ((bits &>> 16) & 1)) &>> 16
                dst.storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: rounded), toByteOffset: i * 2,
                               as: SIMD16<UInt16>.self)
                i += 16
            }
            while i < range.upperBound {
                destination[i] = bfloat16(from: source[i])
                i += 1
            }
        }
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

/// Conversions between Float32 and the 16-bit float formats (IEEE half, bfloat16), written out
/// so they behave the same on every platform (round to nearest, ties to even).
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

    /// Float to IEEE 754 binary16 bits, rounding to nearest even; overflow gives infinity.
    public static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xff)
        let mantissa = bits & 0x7f_ffff
        if exponent == 0xff {
            return sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1f { return sign | 0x7c00 }
        if halfExponent <= 0 {
            // Subnormal half (or zero): value / 2⁻²⁴ = (1.mantissa) · 2^(exponent − 126).
            let shift = 126 - exponent
            if shift > 24 { return sign }
            let full = mantissa | 0x80_0000
            return sign | UInt16(roundShift(full, by: UInt32(shift)))
        }
        let rounded = (UInt32(halfExponent) << 10) + roundShift(mantissa, by: 13)
        return sign | UInt16(rounded)   // a carry out of the mantissa correctly bumps the exponent
    }

    /// bfloat16 bits to Float.
    public static func float(fromBFloat16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Float to bfloat16 bits, rounding to nearest even; NaN stays NaN.
    public static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounded = bits &+ 0x7fff &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }

    /// x >> shift rounded to nearest, ties to even.
    private static func roundShift(_ x: UInt32, by shift: UInt32) -> UInt32 {
        let quotient = x >> shift
        let remainder = x & ((1 << shift) - 1)
        let halfway: UInt32 = 1 << (shift - 1)
        if remainder > halfway || (remainder == halfway && quotient & 1 == 1) { return quotient + 1 }
        return quotient
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

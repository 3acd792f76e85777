import FindColorNN
import Foundation

/// Writes safetensors files (F32, F16 or BF16 data): the tests' model files and corrupt-file
/// fixtures. FindColor itself only reads them (`SafeTensorsFile`).
public struct SafeTensorsWriter {
    private struct Entry {
        let name: String
        let dtype: SafeTensorsDType
        let shape: [Int]
        let bytes: Data
    }

    public var metadata: [String: String]
    private var entries: [Entry] = []

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor; values are converted to `dtype` (F32, F16 or BF16).
    public mutating func add(_ name: String, shape: [Int], values: [Float], dtype: SafeTensorsDType = .F32) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "'\(name)' has \(values.count) values for shape \(shape)")
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "duplicate or reserved name '\(name)'")
        let bits: [UInt16]
        switch dtype {
        case .F32:
            entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: values.withUnsafeBytes { Data($0) }))
            return
        case .F16: bits = values.map { FloatConversion.half(from: $0).littleEndian }
        case .BF16: bits = values.map { FloatConversion.bfloat16(from: $0).littleEndian }
        default: preconditionFailure("writing \(dtype.rawValue) is not supported (use F32, F16 or BF16)")
        }
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bits.withUnsafeBytes { Data($0) }))
    }

    /// Adds an NHWC tensor with shape [n, h, w, c].
    public mutating func add(_ name: String, tensor: Tensor, dtype: SafeTensorsDType = .F32) {
        add(name, shape: [tensor.n, tensor.h, tensor.w, tensor.c], values: tensor.scalars, dtype: dtype)
    }

    /// The file contents: header padded with spaces to a multiple of 8 bytes, then the data.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for entry in entries {
            header[entry.name] = [
                "dtype": entry.dtype.rawValue,
                "shape": entry.shape,
                "data_offsets": [offset, offset + entry.bytes.count],
            ] as [String: Any]
            offset += entry.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for entry in entries { file.append(entry.bytes) }
        return file
    }

    public func write(to url: URL) throws {
        try serialized().write(to: url, options: .atomic)
    }
}

/// Float32 to the 16-bit float formats (the inverse of `FloatConversion.float(fromHalf:)` and
/// `float(fromBFloat16:)`), round to nearest, ties to even.
extension FloatConversion {
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

    /// x >> shift rounded to nearest, ties to even.
    private static func roundShift(_ x: UInt32, by shift: UInt32) -> UInt32 {
        let quotient = x >> shift
        let remainder = x & ((1 << shift) - 1)
        let halfway: UInt32 = 1 << (shift - 1)
        if remainder > halfway || (remainder == halfway && quotient & 1 == 1) { return quotient + 1 }
        return quotient
    }
}

import Foundation

/// Errors reading safetensors files.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    /// The file ends before the header or the data it announces.
    case truncated(String)
    case headerTooLarge(Int)
    /// The header is not valid JSON or lacks required fields.
    case invalidHeader(String)
    case invalidMetadata(String)
    case unknownDType(tensor: String, dtype: String)
    case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataSize: Int)
    /// The byte range does not match shape × element size.
    case sizeMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
    case tensorNotFound(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open safetensors file \(path): \(reason)"
        case .truncated(let message):
            return "truncated safetensors file: \(message)"
        case .headerTooLarge(let size):
            return "safetensors header of \(size) bytes is larger than the \(SafeTensorsFile.maximumHeaderSize)-byte limit"
        case .invalidHeader(let message):
            return "invalid safetensors header: \(message)"
        case .invalidMetadata(let message):
            return "invalid safetensors __metadata__: \(message)"
        case let .unknownDType(tensor, dtype):
            return "tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case let .offsetsOutOfRange(tensor, begin, end, dataSize):
            return "tensor '\(tensor)' data_offsets [\(begin), \(end)] are outside the \(dataSize)-byte data section"
        case let .sizeMismatch(tensor, expected, actual):
            return "tensor '\(tensor)' needs \(expected) bytes for its shape but data_offsets span \(actual)"
        case .tensorNotFound(let name):
            return "no tensor named '\(name)' in the safetensors file"
        }
    }
}

/// Element types of the safetensors format.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL

    public var byteSize: Int {
        switch self {
        case .F64, .I64, .U64: return 8
        case .F32, .I32, .U32: return 4
        case .F16, .BF16, .I16, .U16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }
}

/// One tensor's entry in the header.
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    /// Byte range inside the data section (after the header).
    public let byteRange: Range<Int>
}

/// A safetensors file: an 8-byte little-endian header length, a JSON header mapping tensor names
/// to dtype, shape and data_offsets (plus an optional `__metadata__` string map), then the data.
/// The file is memory-mapped read-only; tensors are converted to Float32 on request.
public final class SafeTensorsFile: @unchecked Sendable {
    /// Headers larger than this are rejected (as in the reference implementation).
    public static let maximumHeaderSize = 100_000_000

    public let metadata: [String: String]
    public let tensors: [String: SafeTensorInfo]
    private let storage: MappedFile
    private let dataStart: Int

    /// Opens and validates a file.
    public convenience init(contentsOf url: URL) throws {
        try self.init(storage: MappedFile(path: url.path))
    }

    /// Parses and validates in-memory safetensors bytes.
    public convenience init(data: Data) throws {
        try self.init(storage: MappedFile(copying: data))
    }

    private init(storage: MappedFile) throws {
        self.storage = storage
        let bytes = storage.bytes
        guard bytes.count >= 8 else {
            throw SafeTensorsError.truncated("\(bytes.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(SafeTensorsFile.maximumHeaderSize) else {
            throw SafeTensorsError.headerTooLarge(headerLength > UInt64(Int.max) ? Int.max : Int(headerLength))
        }
        let headerSize = Int(headerLength)
        guard 8 + headerSize <= bytes.count else {
            throw SafeTensorsError.truncated("header of \(headerSize) bytes announced, \(bytes.count - 8) present")
        }
        dataStart = 8 + headerSize
        let dataSize = bytes.count - dataStart
        let headerData = Data(bytes[8..<dataStart])

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerData, options: [])
        } catch {
            throw SafeTensorsError.invalidHeader("not valid JSON (\(error.localizedDescription))")
        }
        guard let entries = json as? [String: Any] else {
            throw SafeTensorsError.invalidHeader("the header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var tensors: [String: SafeTensorInfo] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw SafeTensorsError.invalidMetadata("not an object")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw SafeTensorsError.invalidMetadata("value of '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors[name] = try SafeTensorsFile.parseEntry(name, value, dataSize: dataSize)
        }
        self.metadata = metadata
        self.tensors = tensors
    }

    private static func parseEntry(_ name: String, _ value: Any, dataSize: Int) throws -> SafeTensorInfo {
        guard let entry = value as? [String: Any] else {
            throw SafeTensorsError.invalidHeader("entry '\(name)' is not an object")
        }
        guard let dtypeName = entry["dtype"] as? String else {
            throw SafeTensorsError.invalidHeader("entry '\(name)' has no dtype string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(tensor: name, dtype: dtypeName)
        }
        guard let shapeValues = entry["shape"] as? [Any],
              let shape = integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
            throw SafeTensorsError.invalidHeader("entry '\(name)' has no valid shape")
        }
        guard let offsetValues = entry["data_offsets"] as? [Any], let offsets = integers(offsetValues),
              offsets.count == 2 else {
            throw SafeTensorsError.invalidHeader("entry '\(name)' has no valid data_offsets")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw SafeTensorsError.offsetsOutOfRange(tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        var elements = 1
        for dimension in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw SafeTensorsError.invalidHeader("entry '\(name)' shape overflows") }
            elements = product
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, expected == end - begin else {
            throw SafeTensorsError.sizeMismatch(tensor: name, expectedBytes: overflow ? Int.max : expected,
                                                actualBytes: end - begin)
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Non-negative integral JSON numbers as Int (nil if any is not one).
    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            if let integer = value as? Int {
                result.append(integer)
            } else if let double = value as? Double, double == double.rounded(), abs(double) < 9e15 {
                result.append(Int(double))
            } else {
                return nil
            }
        }
        return result
    }

    /// Tensor names in file (data offset) order.
    public var names: [String] {
        tensors.values.sorted { ($0.byteRange.lowerBound, $0.name) < ($1.byteRange.lowerBound, $1.name) }.map(\.name)
    }

    /// The raw little-endian bytes of a tensor (valid while this file is alive).
    public func withRawBytes<R>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let info = tensors[name] else { throw SafeTensorsError.tensorNotFound(name) }
        let range = (dataStart + info.byteRange.lowerBound)..<(dataStart + info.byteRange.upperBound)
        return try body(UnsafeRawBufferPointer(rebasing: storage.bytes[range]))
    }

    /// A tensor's values converted to Float32 (F16, BF16, F64 and integer types converted).
    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw SafeTensorsError.tensorNotFound(name) }
        return try withRawBytes(of: name) { FloatConversion.floats(from: $0, dtype: info.dtype) }
    }
}

import Foundation
import Testing
@testable import FindColorNN
import FindColorTestSupport

/// Builds safetensors bytes from a raw header string and data, for corrupt-file tests.
func rawSafeTensors(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    var file = Data()
    let headerBytes = Data(header.utf8)
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { file.append(contentsOf: $0) }
    file.append(headerBytes)
    file.append(contentsOf: data)
    return file
}

@Suite("Safetensors")
struct SafeTensorsTests {
    @Test("write then read back through a memory-mapped file")
    func roundTrip() throws {
        var writer = SafeTensorsWriter(metadata: ["findcolor": #"{"version": 1}"#, "note": "ünïcode ✓"])
        let weights: [Float] = (0..<24).map { Float($0) * 0.25 - 3 }
        writer.add("dec.d16.conv1.weight", shape: [2, 3, 2, 2], values: weights)
        writer.add("scalar", shape: [], values: [42])
        writer.add("empty", shape: [0, 3], values: [])
        writer.add("image", tensor: Tensor.random(TensorShape(h: 3, w: 4, c: 2), seed: 1))
        let url = temporaryFile(".safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try writer.write(to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == ["findcolor": #"{"version": 1}"#, "note": "ünïcode ✓"])
        #expect(file.names == ["dec.d16.conv1.weight", "scalar", "empty", "image"])
        #expect(file.tensors["dec.d16.conv1.weight"]?.shape == [2, 3, 2, 2])
        #expect(file.tensors["dec.d16.conv1.weight"]?.dtype == .F32)
        #expect(try file.floats("dec.d16.conv1.weight") == weights)
        #expect(try file.floats("scalar") == [42])
        #expect(try file.floats("empty") == [])
        #expect(try file.floats("image") == Tensor.random(TensorShape(h: 3, w: 4, c: 2), seed: 1).scalars)
        #expect(throws: SafeTensorsError.tensorNotFound("nope")) { try file.floats("nope") }

        // The header is padded to a multiple of 8 bytes, so F32 data is aligned in the file.
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(headerLength % 8 == 0)

        let store = try WeightStore(contentsOf: url)
        #expect(store["dec.d16.conv1.weight"]?.values == weights)
        #expect(store["dec.d16.conv1.weight"]?.shape == [2, 3, 2, 2])
        #expect(store.metadata["note"] == "ünïcode ✓")
        #expect(store.names.count == 4)
    }

    @Test("F16 and BF16 conversions (round to nearest even)")
    func halfConversions() {
        let halves: [(Float, UInt16)] = [(0, 0x0000), (-0.0, 0x8000), (1, 0x3C00), (-2, 0xC000), (0.5, 0x3800),
                                         (65504, 0x7BFF), (0x1p-14, 0x0400), (0x1p-24, 0x0001), (0x1p-15, 0x0200),
                                         (.infinity, 0x7C00), (-.infinity, 0xFC00), (0.333251953125, 0x3555)]
        for (value, bits) in halves {
            #expect(FloatConversion.half(from: value) == bits, "half(\(value))")
            #expect(FloatConversion.float(fromHalf: bits) == value, "float(half \(bits))")
        }
        #expect(FloatConversion.half(from: 65520) == 0x7C00)         // rounds up to infinity
        #expect(FloatConversion.half(from: 1e-9) == 0)              // underflows to zero
        #expect(FloatConversion.half(from: 1 + 0x1p-11) == 0x3C00)  // tie → even
        #expect(FloatConversion.half(from: 1 + 3 * 0x1p-11) == 0x3C02)
        #expect(FloatConversion.float(fromHalf: 0x7E00).isNaN)
        #expect(FloatConversion.float(fromHalf: FloatConversion.half(from: .nan)).isNaN)

        let bfloats: [(Float, UInt16)] = [(1, 0x3F80), (-2, 0xC000), (0.15625, 0x3E20), (.infinity, 0x7F80)]
        for (value, bits) in bfloats {
            #expect(FloatConversion.bfloat16(from: value) == bits)
            #expect(FloatConversion.float(fromBFloat16: bits) == value)
        }
        #expect(FloatConversion.bfloat16(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie → even
        #expect(FloatConversion.bfloat16(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)
        #expect(FloatConversion.float(fromBFloat16: FloatConversion.bfloat16(from: .nan)).isNaN)
    }

    @Test("F16 and BF16 tensors are converted to Float32 on load")
    func halfTensors() throws {
        let values: [Float] = [0, 1, -1.5, 0.099975586, 1024, -0.000061035156]   // exact in F16
        let bvalues: [Float] = [0, 1, -1.5, 0.099609375, 3.3895314e38, 1.1754944e-38]   // exact in BF16
        var writer = SafeTensorsWriter()
        writer.add("h", shape: [2, 3], values: values, dtype: .F16)
        writer.add("b", shape: [6], values: bvalues, dtype: .BF16)
        writer.add("rounded", shape: [1], values: [0.1], dtype: .F16)
        let file = try SafeTensorsFile(data: try writer.serialized())
        #expect(file.tensors["h"]?.dtype == .F16)
        #expect(file.tensors["b"]?.dtype == .BF16)
        #expect(try file.floats("h") == values)
        #expect(try file.floats("b") == bvalues)
        #expect(try file.floats("rounded") == [0.099975586])
    }

    @Test("integer and F64 tensors convert to Float32")
    func otherDTypes() throws {
        let i64: [Int64] = [-3, 0, 7]
        let f64: [Double] = [0.5, -2.25]
        let data = i64.withUnsafeBytes { Array($0) } + f64.withUnsafeBytes { Array($0) }
        let header = #"{"n":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"#
            + #""d":{"dtype":"F64","shape":[2],"data_offsets":[24,40]}}"#
        let file = try SafeTensorsFile(data: rawSafeTensors(header: header, data: data))
        #expect(try file.floats("n") == [-3, 0, 7])
        #expect(try file.floats("d") == [0.5, -2.25])
    }

    @Test("truncated and corrupt files give clear errors")
    func corruptFiles() throws {
        let four = [UInt8](repeating: 0, count: 16)
        func parse(_ data: Data) throws { _ = try SafeTensorsFile(data: data) }

        #expect(throws: SafeTensorsError.self) { try parse(Data()) }
        #expect(throws: SafeTensorsError.self) { try parse(Data([1, 2, 3, 4, 5, 6, 7])) }
        do {
            try parse(rawSafeTensors(header: "{}", declaredLength: 500))
            Issue.record("accepted a header length beyond the file")
        } catch let error as SafeTensorsError {
            guard case .truncated = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("truncated"))
        }
        #expect(throws: SafeTensorsError.headerTooLarge(Int(UInt32.max))) {
            try parse(rawSafeTensors(header: "{}", declaredLength: UInt64(UInt32.max)))
        }
        do {
            try parse(rawSafeTensors(header: #"{"a": {"dtype": "F32""#))
            Issue.record("accepted bad JSON")
        } catch let error as SafeTensorsError {
            guard case .invalidHeader = error else { Issue.record("wrong error \(error)"); return }
        }
        #expect(throws: SafeTensorsError.invalidHeader("the header is not a JSON object")) {
            try parse(rawSafeTensors(header: "[1, 2]"))
        }
        #expect(throws: SafeTensorsError.unknownDType(tensor: "a", dtype: "F13")) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F13","shape":[4],"data_offsets":[0,16]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.offsetsOutOfRange(tensor: "a", begin: 0, end: 32, dataSize: 16)) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.offsetsOutOfRange(tensor: "a", begin: 8, end: 4, dataSize: 16)) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.sizeMismatch(tensor: "a", expectedBytes: 12, actualBytes: 16)) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.self) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.self) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[4]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.invalidMetadata("value of 'k' is not a string")) {
            try parse(rawSafeTensors(header: #"{"__metadata__":{"k":3}}"#))
        }
        let missing = URL(fileURLWithPath: "/nonexistent/model.safetensors")
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: missing) }
        #expect(throws: SafeTensorsError.self) { try WeightStore(contentsOf: missing) }
    }

    @Test("a truncated file on disk is rejected")
    func truncatedOnDisk() throws {
        var writer = SafeTensorsWriter()
        writer.add("w", shape: [64], values: [Float](repeating: 1, count: 64))
        let full = try writer.serialized()
        let url = temporaryFile(".safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try full.prefix(full.count - 10).write(to: url)
        #expect(throws: SafeTensorsError.offsetsOutOfRange(tensor: "w", begin: 0, end: 256, dataSize: 246)) {
            try SafeTensorsFile(contentsOf: url)
        }
    }
}

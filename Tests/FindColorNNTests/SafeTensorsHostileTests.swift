import Foundation
import Testing
@testable import FindColorNN
import FindColorTestSupport

/// FindColorNN is built with -Ounchecked (no implicit overflow or bounds traps), so its one parser,
/// the safetensors header, must check every size explicitly (issue 11, item 5): these headers
/// declare sizes whose arithmetic would overflow or point outside the file.
@Suite("Safetensors: hostile headers")
struct SafeTensorsHostileTests {
    func parse(_ data: Data) throws { _ = try SafeTensorsFile(data: data) }

    @Test("a header length of 2^64 - 1 is refused without overflowing")
    func maximalHeaderLength() {
        #expect(throws: SafeTensorsError.headerTooLarge(Int.max)) {
            try parse(rawSafeTensors(header: "{}", declaredLength: UInt64.max))
        }
        #expect(throws: SafeTensorsError.headerTooLarge(Int.max)) {
            try parse(rawSafeTensors(header: "{}", declaredLength: UInt64(Int.max) + 1))
        }
    }

    @Test("shapes whose element count or byte count overflows are refused")
    func overflowingShapes() {
        // 2^32 · 2^32 elements: the product overflows Int.
        #expect(throws: SafeTensorsError.invalidHeader("entry 'a' shape overflows")) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#))
        }
        // 2^61 elements fit, 2^61 · 8 bytes do not.
        do {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#))
            Issue.record("accepted a tensor of 2^64 bytes")
        } catch let error as SafeTensorsError {
            #expect(error == .sizeMismatch(tensor: "a", expectedBytes: Int.max, actualBytes: 0))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("offsets near Int.max and non-integral numbers are refused")
    func extremeOffsets() {
        let four = [UInt8](repeating: 0, count: 16)
        #expect(throws: SafeTensorsError.offsetsOutOfRange(tensor: "a", begin: 0, end: Int.max, dataSize: 16)) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,9223372036854775807]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.self) { // beyond Int: not an integer this parser accepts
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.self) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: four))
        }
        #expect(throws: SafeTensorsError.self) {
            try parse(rawSafeTensors(header: #"{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}"#, data: four))
        }
    }

    @Test("random damage to a valid file never crashes the parser")
    func damagedFiles() throws {
        var writer = SafeTensorsWriter(metadata: ["k": "v"])
        writer.add("w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        writer.add("b", shape: [3], values: [7, 8, 9], dtype: .F16)
        let good = [UInt8](try writer.serialized())
        var state: UInt64 = 0x5EED
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<500 {
            var bytes = good
            for _ in 0..<(1 + next() % 4) { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
            if let file = try? SafeTensorsFile(data: Data(bytes)) {
                for name in file.names { _ = try? file.floats(name) }
            }
        }
    }
}

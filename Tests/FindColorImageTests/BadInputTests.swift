import Foundation
import Testing
@testable import FindColorImage

/// Untrusted bytes must never crash the process or exit: every failure is an `ImageError`.
@Suite struct BadInputTests {
    /// A valid small file of each format.
    static func sample(_ format: ImageFormat) throws -> Data {
        let image = smoothImage(width: 45, height: 31, channels: 3)
        switch format {
        case .jpeg: return try ImageCodec.encode(image, as: .jpeg(quality: 90))
        case .png: return try ImageCodec.encode(image, as: .png(bitDepth: 8))
        case .tiff: return try ImageCodec.encode(image, as: .tiff(bitDepth: 8))
        }
    }

    @Test func emptyInput() {
        let error = imageError { _ = try ImageCodec.decode(Data()) }
        #expect(error == .empty)
        #expect(error?.description == "the image data is empty (0 bytes)")
    }

    @Test func randomBytesAreNotAnImage() {
        var rng = SeededRandom(seed: 11)
        for length in [1, 2, 7, 100, 4096] {
            var bytes = rng.bytes(length)
            if bytes.first == 0xFF || bytes.first == 0x89 || bytes.first == 0x49 || bytes.first == 0x4D { bytes[0] = 0 }
            let error = imageError { _ = try ImageCodec.decode(Data(bytes)) }
            #expect(error == .unrecognizedFormat)
            #expect(error?.description == "not a JPEG, PNG or TIFF image")
        }
        let text = Data("GIF89a, or a text file".utf8)
        #expect(imageError { _ = try ImageCodec.decode(text) } == .unrecognizedFormat)
    }

    @Test(arguments: ImageFormat.allCases)
    func magicFollowedByRandomBytes(_ format: ImageFormat) throws {
        let magic = Array(try BadInputTests.sample(format).prefix(format == .png ? 8 : 4))
        var rng = SeededRandom(seed: 12)
        for length in [0, 1, 10, 100, 1000, 10_000] {
            let data = Data(magic + rng.bytes(length))
            let error = imageError { _ = try ImageCodec.decode(data) }
            #expect(error != nil, "\(format) magic + \(length) random bytes did not throw")
            if let error { #expect(!error.description.contains("\n")) }
        }
    }

    @Test(arguments: ImageFormat.allCases)
    func truncatedInHalf(_ format: ImageFormat) throws {
        let data = try BadInputTests.sample(format)
        let half = data.prefix(data.count / 2)
        let error = imageError { _ = try ImageCodec.decode(Data(half)) }
        #expect(error != nil, "half a \(format) file decoded")
        if case .corrupt(let f, _)? = error { #expect(f == format) }
    }

    @Test(arguments: ImageFormat.allCases)
    func everyTruncationFailsCleanly(_ format: ImageFormat) throws {
        let data = try BadInputTests.sample(format)
        let step = max(1, data.count / 150)
        for length in stride(from: 0, to: data.count, by: step) {
            do {
                _ = try ImageCodec.decode(data.prefix(length))
            } catch is ImageError {
                // expected for most lengths
            } catch {
                Issue.record("\(format) cut at \(length) threw a non-ImageError: \(error)")
            }
        }
    }

    @Test func corruptPNGChecksum() throws {
        var bytes = [UInt8](try BadInputTests.sample(.png))
        let idat = bytes.withUnsafeBytes { PNGChunks.chunks(in: $0).first { $0.type == "IDAT" }! }
        for i in idat.data.lowerBound ..< idat.data.lowerBound + 16 { bytes[i] ^= 0x5A }
        let error = imageError { _ = try ImageCodec.decode(Data(bytes)) }
        guard case .corrupt(.png, let detail)? = error else {
            Issue.record("expected a corrupt PNG error, got \(String(describing: error))")
            return
        }
        #expect(!detail.isEmpty)
    }

    @Test func corruptJPEGHeader() throws {
        var bytes = [UInt8](try BadInputTests.sample(.jpeg))
        let sof = try #require(BadInputTests.markerOffset(0xC0, in: bytes))
        bytes[sof + 4] = 3 // sample precision 3 bits: no such JPEG
        let error = imageError { _ = try ImageCodec.decode(Data(bytes)) }
        guard case .corrupt(.jpeg, _)? = error else {
            Issue.record("expected a corrupt JPEG error, got \(String(describing: error))")
            return
        }
    }

    @Test func corruptTIFFDirectoryOffset() throws {
        var bytes = [UInt8](try BadInputTests.sample(.tiff))
        bytes[4] = 0x00; bytes[5] = 0xFF; bytes[6] = 0xFF; bytes[7] = 0x7F // IFD0 far beyond the end
        let error = imageError { _ = try ImageCodec.decode(Data(bytes)) }
        guard case .corrupt(.tiff, let detail)? = error else {
            Issue.record("expected a corrupt TIFF error, got \(String(describing: error))")
            return
        }
        #expect(!detail.isEmpty)
    }

    @Test(arguments: ImageFormat.allCases)
    func damagedBytesNeverCrash(_ format: ImageFormat) throws {
        let original = [UInt8](try BadInputTests.sample(format))
        var rng = SeededRandom(seed: 13)
        for _ in 0..<60 {
            var bytes = original
            for _ in 0..<8 {
                let i = Int.random(in: (format == .png ? 8 : 4) ..< bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                _ = try ImageCodec.decode(Data(bytes))
            } catch is ImageError {
            } catch {
                Issue.record("\(format): non-ImageError \(error)")
            }
        }
    }

    // MARK: - Decompression bombs

    @Test func hugePNGHeaderIsRefusedBeforeAllocation() throws {
        // 200000 × 200000 declared, a few bytes of data: decoding would need 120 GB.
        let data = PNGBuilder.make(width: 200_000, height: 200_000, bitDepth: 8, colorType: 2, rows: [[1, 2, 3]])
        let error = imageError { _ = try ImageCodec.decode(data) }
        #expect(error == .tooLarge(format: .png, width: 200_000, height: 200_000, maxPixels: 100_000_000))
        #expect(error?.description ==
            "the PNG image is 200000×200000 = 40000000000 pixels, more than the limit of 100000000 pixels")
    }

    @Test func hugeJPEGHeaderIsRefusedBeforeAllocation() throws {
        var bytes = [UInt8](try BadInputTests.sample(.jpeg))
        let sof = try #require(BadInputTests.markerOffset(0xC0, in: bytes))
        // SOF0: FF C0, length(2), precision(1), height(2), width(2). 65000 × 65000 is the JPEG maximum-ish.
        bytes[sof + 5] = 0xFD; bytes[sof + 6] = 0xE8
        bytes[sof + 7] = 0xFD; bytes[sof + 8] = 0xE8
        let error = imageError { _ = try ImageCodec.decode(Data(bytes)) }
        #expect(error == .tooLarge(format: .jpeg, width: 65_000, height: 65_000, maxPixels: 100_000_000))
    }

    @Test func hugeTIFFHeaderIsRefusedBeforeAllocation() throws {
        let small = PlanarImage(width: 4, height: 4, channels: 1, repeating: 0.5)
        var bytes = [UInt8](try TIFFCodec.encode(small, bitDepth: 8, options: TIFFWriteOptions(compression: .none)))
        try BadInputTests.setTIFFLongTag(256, to: 200_000, in: &bytes) // ImageWidth
        try BadInputTests.setTIFFLongTag(257, to: 200_000, in: &bytes) // ImageLength
        let error = imageError { _ = try ImageCodec.decode(Data(bytes)) }
        #expect(error == .tooLarge(format: .tiff, width: 200_000, height: 200_000, maxPixels: 100_000_000))
    }

    @Test(arguments: ImageFormat.allCases)
    func customPixelLimit(_ format: ImageFormat) throws {
        let data = try BadInputTests.sample(format) // 45 × 31 = 1395 pixels
        #expect(imageError { _ = try ImageCodec.decode(data, limits: DecodeLimits(maxPixels: 1394)) }
            == .tooLarge(format: format, width: 45, height: 31, maxPixels: 1394))
        #expect(try ImageCodec.decode(data, limits: DecodeLimits(maxPixels: 1395)).image.width == 45)
    }

    @Test func zeroWidthPNGIsRejected() {
        let data = PNGBuilder.make(width: 0, height: 10, bitDepth: 8, colorType: 0, rows: [])
        #expect(imageError { _ = try ImageCodec.decode(data) } != nil)
    }

    // MARK: - Helpers

    /// Offset of the first `FF marker` in a JPEG (searching the header segments).
    static func markerOffset(_ marker: UInt8, in bytes: [UInt8]) -> Int? {
        var pos = 2
        while pos + 4 <= bytes.count, bytes[pos] == 0xFF {
            if bytes[pos + 1] == marker { return pos }
            pos += 2 + (Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3]))
        }
        return nil
    }

    /// Rewrites a tag of IFD0 of a little-endian TIFF as a LONG with `value`.
    static func setTIFFLongTag(_ tag: Int, to value: UInt32, in bytes: inout [UInt8]) throws {
        try #require(bytes[0] == 0x49 && bytes[1] == 0x49, "expected a little-endian TIFF")
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        let ifd = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        for i in 0..<u16(ifd) {
            let entry = ifd + 2 + 12 * i
            guard u16(entry) == tag else { continue }
            let patch: [UInt8] = [4, 0, 1, 0, 0, 0,
                                  UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
            bytes.replaceSubrange((entry + 2)..<(entry + 12), with: patch)
            return
        }
        Issue.record("tag \(tag) not found")
    }
}

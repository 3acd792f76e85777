import Foundation
import Testing
@testable import FindColorImage

@Suite struct JPEGTests {
    @Test func colourRoundTripAtQuality95() throws {
        let image = smoothImage(width: 96, height: 64, channels: 3)
        let data = try ImageCodec.encode(image, as: .jpeg(quality: 95))
        #expect(ImageFormat(detecting: data) == .jpeg)
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.format == .jpeg)
        #expect(decoded.sourceLayout == .rgb)
        #expect(decoded.bitDepth == 8)
        #expect(decoded.orientation == 1)
        #expect(decoded.image.width == 96 && decoded.image.height == 64 && decoded.image.channels == 3)
        let quality = psnr(decoded.image, image)
        #expect(quality > 40, "PSNR \(quality) dB")
    }

    @Test func grayRoundTripAtQuality95() throws {
        let image = smoothImage(width: 50, height: 30, channels: 1)
        let decoded = try ImageCodec.decode(try ImageCodec.encode(image, as: .jpeg(quality: 95)))
        #expect(decoded.sourceLayout == .gray)
        #expect(decoded.image.channels == 1)
        let quality = psnr(decoded.image, image)
        #expect(quality > 40, "PSNR \(quality) dB")
    }

    @Test func lowerQualityGivesSmallerFiles() throws {
        let image = smoothImage(width: 64, height: 64, channels: 3)
        let high = try ImageCodec.encode(image, as: .jpeg(quality: 95))
        let low = try ImageCodec.encode(image, as: .jpeg(quality: 30))
        #expect(low.count < high.count)
    }

    @Test func invalidQualityIsRejected() {
        let image = smoothImage(width: 8, height: 8, channels: 3)
        #expect(imageError { _ = try ImageCodec.encode(image, as: .jpeg(quality: 0)) } != nil)
        #expect(imageError { _ = try ImageCodec.encode(image, as: .jpeg(quality: 101)) } != nil)
        let twoChannels = PlanarImage(width: 8, height: 8, channels: 2)
        #expect(imageError { _ = try ImageCodec.encode(twoChannels, as: .jpeg(quality: 90)) } != nil)
    }

    // MARK: - EXIF orientation

    /// An APP1 Exif segment whose IFD0 holds only the orientation tag.
    static func exifSegment(orientation: UInt16, bigEndian: Bool) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] {
            let b = [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
            return bigEndian ? b : b.reversed()
        }
        var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        tiff += u16(42) + u32(8)                 // header, IFD0 at offset 8
        tiff += u16(2)                           // two entries
        tiff += u16(0x010F) + u16(2) + u32(4) + [0x41, 0x42, 0x43, 0]   // Make = "ABC" (a decoy)
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0]
        tiff += u32(0)                           // no next IFD
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// Inserts `segment` right after the SOI marker.
    static func splice(_ segment: [UInt8], into jpeg: Data) -> Data {
        var bytes = [UInt8](jpeg)
        bytes.insert(contentsOf: segment, at: 2)
        return Data(bytes)
    }

    @Test(arguments: [false, true])
    func exifParserReadsBothByteOrders(bigEndian: Bool) throws {
        let jpeg = try ImageCodec.encode(smoothImage(width: 16, height: 16, channels: 1), as: .jpeg(quality: 80))
        #expect(EXIF.orientation(inJPEG: jpeg) == nil)
        for orientation in UInt16(1)...8 {
            let tagged = JPEGTests.splice(JPEGTests.exifSegment(orientation: orientation, bigEndian: bigEndian), into: jpeg)
            #expect(EXIF.orientation(inJPEG: tagged) == Int(orientation))
        }
        // Out-of-range values are ignored.
        let bad = JPEGTests.splice(JPEGTests.exifSegment(orientation: 9, bigEndian: bigEndian), into: jpeg)
        #expect(EXIF.orientation(inJPEG: bad) == nil)
        #expect(try ImageCodec.decode(bad).orientation == 1)
    }

    @Test func exifParserSurvivesTruncatedMetadata() throws {
        let jpeg = try ImageCodec.encode(smoothImage(width: 16, height: 16, channels: 1), as: .jpeg(quality: 80))
        let segment = JPEGTests.exifSegment(orientation: 6, bigEndian: false)
        // Cut the segment short at every length (its declared length then overlaps the next
        // segments, or the file): never a crash.
        for cut in 4..<segment.count {
            var bytes = [UInt8](jpeg)
            bytes.insert(contentsOf: segment[0..<cut], at: 2)
            _ = EXIF.orientation(inJPEG: Data(bytes))
        }
    }

    @Test func orientation6RotatesClockwise() throws {
        // Stored 32 wide × 16 tall, black with a white 8×8 block in the top-left corner (aligned to
        // JPEG blocks so the marker survives compression).
        let stored = PlanarImage(width: 32, height: 16, channels: 3) { x, y, _ in x < 8 && y < 8 ? 1 : 0 }
        let jpeg = try ImageCodec.encode(stored, as: .jpeg(quality: 95))
        let rotated = JPEGTests.splice(JPEGTests.exifSegment(orientation: 6, bigEndian: false), into: jpeg)

        let decoded = try ImageCodec.decode(rotated)
        #expect(decoded.orientation == 6)
        let image = decoded.image
        #expect(image.width == 16 && image.height == 32) // swapped
        // Rotating 90° clockwise moves the top-left corner to the top-right.
        #expect(image[12, 4, 0] > 0.9)  // top-right block: white
        #expect(image[3, 4, 0] < 0.1)   // top-left: black
        #expect(image[12, 28, 0] < 0.1) // bottom-right: black
        #expect(image[3, 28, 0] < 0.1)  // bottom-left: black

        // Same result as applying the orientation to the upright decode.
        let plain = try ImageCodec.decode(jpeg).image.applyingOrientation(6)
        #expect(plain == image)
    }

    @Test func orientation3And8() throws {
        let stored = PlanarImage(width: 32, height: 16, channels: 1) { x, y, _ in x < 8 && y < 8 ? 1 : 0 }
        let jpeg = try ImageCodec.encode(stored, as: .jpeg(quality: 95))
        let upsideDown = try ImageCodec.decode(JPEGTests.splice(JPEGTests.exifSegment(orientation: 3, bigEndian: true), into: jpeg)).image
        #expect(upsideDown.width == 32 && upsideDown.height == 16)
        #expect(upsideDown[28, 12, 0] > 0.9) // marker now bottom-right
        let ccw = try ImageCodec.decode(JPEGTests.splice(JPEGTests.exifSegment(orientation: 8, bigEndian: true), into: jpeg)).image
        #expect(ccw.width == 16 && ccw.height == 32)
        #expect(ccw[4, 28, 0] > 0.9) // marker now bottom-left
    }
}

/// `ImageCodec.decodeLightness`: L* straight from a colour JPEG's 8-bit samples must equal L* of the
/// photo decoded whole, exactly, with the EXIF orientation applied; other files go the whole way.
@Suite struct DecodeLightnessTests {
    @Test func colourJPEGLightnessEqualsTheWholeDecodeForEveryOrientation() throws {
        let image = smoothImage(width: 96, height: 40, channels: 3)
        let jpeg = try ImageCodec.encode(image, as: .jpeg(quality: 90))
        for orientation in [1, 3, 6, 8] as [UInt16] {
            let data = orientation == 1 ? jpeg
                : JPEGTests.splice(JPEGTests.exifSegment(orientation: orientation, bigEndian: false), into: jpeg)
            let whole = try ImageCodec.decode(data)
            let direct = try ImageCodec.decodeLightness(data)
            #expect(whole.orientation == Int(orientation))
            #expect(direct == lightness(of: whole.image), "orientation \(orientation)")
        }
    }

    @Test func everyByteTripleGivesTheSameLightness() {
        // All 256 levels of each channel against each other in a few combinations, through both paths.
        var bytes: [UInt8] = []
        for v in 0..<256 {
            bytes += [UInt8(v), UInt8(255 - v), UInt8((v * 7) % 256)]
            bytes += [UInt8(v), UInt8(v), UInt8(v)]
        }
        let n = bytes.count / 3
        let direct = bytes.withUnsafeBufferPointer { lightness(ofRGB8: $0.baseAddress!, width: n, height: 1) }
        let planar = bytes.withUnsafeBufferPointer {
            SampleConversion.planar(from: $0.baseAddress!, width: n, height: 1, storedChannels: 3, colorChannels: 3, alpha: .none)
        }
        #expect(direct == lightness(of: planar))
        #expect(abs(direct[1, 0, 0]) < 1e-4 && abs(direct[2 * 255 + 1, 0, 0] - 100) < 1e-3)  // (0, 0, 0) black, (255, 255, 255) white
    }

    @Test func grayJPEGAndPNGGoTheWholeWay() throws {
        let gray = smoothImage(width: 40, height: 24, channels: 1)
        for data in [try ImageCodec.encode(gray, as: .jpeg(quality: 90)), try ImageCodec.encode(gray, as: .png(bitDepth: 8))] {
            #expect(try ImageCodec.decodeLightness(data) == lightness(of: ImageCodec.decode(data).image))
        }
        let colourPNG = try ImageCodec.encode(smoothImage(width: 40, height: 24, channels: 3), as: .png(bitDepth: 8))
        #expect(try ImageCodec.decodeLightness(colourPNG) == lightness(of: ImageCodec.decode(colourPNG).image))
        #expect(throws: ImageError.self) { try ImageCodec.decodeLightness(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 1])) }
    }
}

/// Large JPEGs are written in bands compressed in parallel and joined with restart markers
/// (`JPEGCodec.encodeStrips`): the file must decode to exactly the pixels of a one-piece encoding.
@Suite struct JPEGBandTests {
    /// Noise and edges, so that every 8×8 block has AC coefficients and DC differences.
    func busy(width: Int, height: Int, channels: Int) -> InterleavedImage8 {
        var g = UInt64(12345)
        let samples = (0..<width * height * channels).map { i -> UInt8 in
            g = g &* 6364136223846793005 &+ 1442695040888963407
            let x = (i / channels) % width, y = (i / channels) / width
            return UInt8(truncatingIfNeeded: (x * 3 + y * 5 + i % channels * 40) / 2 + Int(g >> 59))
        }
        return InterleavedImage8(width: width, height: height, channels: channels, samples: samples)
    }

    func onePiece(_ image: InterleavedImage8, quality: Int) throws -> Data {
        try image.samples.withUnsafeBufferPointer { try JPEGCodec.compress($0.baseAddress!, image, rows: image.height, quality: quality) }
    }

    @Test("bands decode to the pixels of a one-piece encoding",
          arguments: [(61, 45, 1, 3), (64, 64, 3, 2), (37, 130, 3, 5), (200, 17, 1, 2), (9, 9, 3, 4), (30, 100, 3, 20)])
    func bandsMatchOnePiece(_ c: (width: Int, height: Int, channels: Int, strips: Int)) throws {
        let image = busy(width: c.width, height: c.height, channels: c.channels)
        let whole = try onePiece(image, quality: 90)
        let banded = try JPEGCodec.encodeStrips(image, quality: 90, strips: c.strips)
        let bands = min(c.strips, (c.height + 7) / 8)
        // One DRI segment and a restart marker between bands.
        let bytes = [UInt8](banded)
        let markers = zip(bytes, bytes.dropFirst()).filter { $0 == 0xFF && (0xD0...0xD7).contains($1) }.count
        #expect(markers == bands - 1)
        #expect(zip(bytes, bytes.dropFirst()).contains { $0 == 0xFF && $1 == 0xDD } == (bands > 1))
        let a = try ImageCodec.decode(whole).image, b = try ImageCodec.decode(banded).image
        #expect(b.width == c.width && b.height == c.height && b.channels == c.channels)
        #expect(a.data == b.data)
    }

    /// A restart interval counts at most 65535 MCUs: a 4096-pixel-wide photo (512 MCUs a row) gets
    /// bands of at most 127 MCU rows whatever the thread count.
    @Test("bands respect the restart interval's 16-bit limit")
    func intervalLimit() throws {
        let image = busy(width: 4096, height: 8 * 130, channels: 1)
        let banded = try JPEGCodec.encodeStrips(image, quality: 75, strips: 1)
        let bytes = [UInt8](banded)
        let dri = try #require(zip(bytes.indices, bytes.dropFirst()).first { bytes[$0.0] == 0xFF && $0.1 == 0xDD }?.0)
        #expect(Int(bytes[dri + 4]) << 8 | Int(bytes[dri + 5]) == 127 * 512)
        #expect(try ImageCodec.decode(banded).image.data == ImageCodec.decode(onePiece(image, quality: 75)).image.data)
    }
}

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

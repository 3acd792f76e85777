import Foundation
import Testing
@testable import FindColorImage

@Suite struct TIFFTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var channels: Int
        var bitDepth: Int
        var testDescription: String { "\(channels == 1 ? "gray" : "RGB") \(bitDepth)-bit" }
    }

    static let cases = [Case(channels: 1, bitDepth: 8), Case(channels: 3, bitDepth: 8),
                        Case(channels: 1, bitDepth: 16), Case(channels: 3, bitDepth: 16)]

    @Test(arguments: TIFFTests.cases)
    func roundTripIsExact(_ c: Case) throws {
        let maxValue = c.bitDepth == 8 ? 255 : 65_535
        let image = randomQuantizedImage(width: 45, height: 31, channels: c.channels, levels: maxValue, seed: 3)
        let data = try ImageCodec.encode(image, as: .tiff(bitDepth: c.bitDepth))
        #expect(ImageFormat(detecting: data) == .tiff)
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.format == .tiff)
        #expect(decoded.bitDepth == c.bitDepth)
        #expect(decoded.sourceLayout == (c.channels == 1 ? .gray : .rgb))
        #expect(decoded.image.channels == c.channels)
        #expect(levels(decoded.image, maxValue: Float(maxValue)) == levels(image, maxValue: Float(maxValue)))
    }

    /// Every on-file organisation the direct reader handles: compression, planes, tiles.
    @Test(arguments: [
        TIFFWriteOptions(compression: .none),
        TIFFWriteOptions(compression: .deflate),
        TIFFWriteOptions(compression: .lzw, separatePlanes: true),
        TIFFWriteOptions(compression: .none, separatePlanes: true),
        TIFFWriteOptions(compression: .lzw, tileSize: 16),
        TIFFWriteOptions(compression: .deflate, separatePlanes: true, tileSize: 32),
    ])
    func layoutsReadBackExactly(options: TIFFWriteOptions) throws {
        for bitDepth in [8, 16] {
            let maxValue = bitDepth == 8 ? 255 : 65_535
            // 40×24 is not a multiple of the tile sizes: edge tiles are partial.
            let image = randomQuantizedImage(width: 40, height: 24, channels: 3, levels: maxValue, seed: 4)
            let data = try TIFFCodec.encode(image, bitDepth: bitDepth, options: options)
            let decoded = try ImageCodec.decode(data)
            #expect(decoded.bitDepth == bitDepth)
            #expect(levels(decoded.image, maxValue: Float(maxValue)) == levels(image, maxValue: Float(maxValue)))
        }
    }

    @Test func orientationTagIsApplied() throws {
        let image = randomQuantizedImage(width: 20, height: 12, channels: 3, levels: 255, seed: 5)
        for orientation in 1...8 {
            let data = try TIFFCodec.encode(image, bitDepth: 8, options: TIFFWriteOptions(orientation: orientation))
            let decoded = try ImageCodec.decode(data)
            #expect(decoded.orientation == orientation)
            let upright = try ImageCodec.decode(try TIFFCodec.encode(image, bitDepth: 8)).image
            #expect(decoded.image == upright.applyingOrientation(orientation))
        }
    }

    @Test func jpegCompressedYCbCrGoesThroughTheRGBAReader() throws {
        let image = smoothImage(width: 48, height: 32, channels: 3)
        let data = try TIFFCodec.encode(image, bitDepth: 8, options: TIFFWriteOptions(compression: .jpeg(quality: 95)))
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.sourceLayout == .other)
        #expect(decoded.bitDepth == 8)
        #expect(decoded.image.channels == 3)
        let quality = psnr(decoded.image, image)
        #expect(quality > 35, "PSNR \(quality) dB")

        // With a rotation, the RGBA path must give the same pixels as rotating the upright image.
        let rotatedData = try TIFFCodec.encode(image, bitDepth: 8,
                                               options: TIFFWriteOptions(compression: .jpeg(quality: 95), orientation: 8))
        let rotated = try ImageCodec.decode(rotatedData)
        #expect(rotated.image.width == 32 && rotated.image.height == 48)
        #expect(rotated.image == decoded.image.applyingOrientation(8))
    }

    @Test func grayJPEGCompressedTIFF() throws {
        let image = smoothImage(width: 32, height: 32, channels: 1)
        let data = try TIFFCodec.encode(image, bitDepth: 8, options: TIFFWriteOptions(compression: .jpeg(quality: 95)))
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.image.channels == 1)
        #expect(psnr(decoded.image, image) > 35)
    }

    @Test func invalidBitDepthIsRejected() {
        let image = PlanarImage(width: 4, height: 4, channels: 3)
        let error = imageError { _ = try ImageCodec.encode(image, as: .tiff(bitDepth: 12)) }
        #expect(error?.description == "TIFF bit depth must be 8 or 16, not 12")
    }
}

import Foundation
import Testing
@testable import FindColorImage

@Suite struct PNGTests {
    @Test(arguments: [1, 3])
    func eightBitRoundTripIsExact(channels: Int) throws {
        let image = randomQuantizedImage(width: 37, height: 23, channels: channels, levels: 255, seed: 1)
        let data = try ImageCodec.encode(image, as: .png(bitDepth: 8))
        #expect(ImageFormat(detecting: data) == .png)
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.format == .png)
        #expect(decoded.bitDepth == 8)
        #expect(decoded.sourceLayout == (channels == 1 ? .gray : .rgb))
        #expect(decoded.image.channels == channels)
        #expect(levels(decoded.image, maxValue: 255) == levels(image, maxValue: 255))
        #expect(maxAbsDifference(decoded.image.data, image.data) < 1e-6)
    }

    @Test(arguments: [1, 3])
    func sixteenBitRoundTripIsExact(channels: Int) throws {
        var image = randomQuantizedImage(width: 41, height: 19, channels: channels, levels: 65_535, seed: 2)
        // Deep shadows are where a detour through linear 16-bit would lose levels.
        for i in 0..<20 { image.data[i] = Float(i) / 65_535 }
        let data = try ImageCodec.encode(image, as: .png(bitDepth: 16))
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.bitDepth == 16)
        #expect(decoded.image.channels == channels)
        #expect(levels(decoded.image, maxValue: 65_535) == levels(image, maxValue: 65_535))
        #expect(maxAbsDifference(decoded.image.data, image.data) < 1e-7)
    }

    @Test func sixteenBitOutputIsTaggedSRGB() throws {
        let data = try ImageCodec.encode(smoothImage(width: 8, height: 8, channels: 3), as: .png(bitDepth: 16))
        let types = pngChunkTypes(data)
        #expect(types.first == "IHDR")
        #expect(types.contains("sRGB"))
        // The only gAMA left is the sRGB-compatible 45455, not the linear 100000 of the simplified API.
        data.withUnsafeBytes { raw in
            for chunk in PNGChunks.chunks(in: raw) where chunk.type == "gAMA" {
                #expect(PNGChunks.readUInt32(raw, at: chunk.data.lowerBound) == 45_455)
            }
        }
    }

    @Test func eightBitOutputClampsAndRounds() throws {
        let image = PlanarImage(width: 4, height: 1, channels: 1, data: [-0.5, 0.5, 1.7, .nan])
        let decoded = try ImageCodec.decode(try ImageCodec.encode(image, as: .png(bitDepth: 8)))
        #expect(levels(decoded.image, maxValue: 255) == [0, 128, 255, 0])
    }

    @Test func sixteenBitWithoutColourChunkIsTakenAsSRGB() throws {
        let samples: [UInt16] = [0, 1, 2, 1000, 32_768, 65_535]
        let data = PNGBuilder.make(width: 6, height: 1, bitDepth: 16, colorType: 0, rows: [PNGBuilder.bytes16(samples)])
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.sourceLayout == .gray)
        #expect(levels(decoded.image, maxValue: 65_535) == samples.map(Int.init))
    }

    @Test func sixteenBitLinearFileIsConvertedToSRGB() throws {
        // gAMA 1.0 declares linear samples: 50 % linear light is sRGB 0.7354.
        let data = PNGBuilder.make(width: 2, height: 1, bitDepth: 16, colorType: 0,
                                   rows: [PNGBuilder.bytes16([32_768, 65_535])],
                                   chunksBeforeIDAT: [("gAMA", PNGBuilder.uint32(100_000))])
        let decoded = try ImageCodec.decode(data)
        let expected = SRGBTransfer.encode(Float(32_768) / 65_535)
        #expect(abs(decoded.image.data[0] - expected) < 1e-5)
        #expect(abs(decoded.image.data[1] - 1) < 1e-6)
    }

    @Test func sixteenBitSRGBTaggedFileKeepsSamples() throws {
        let samples: [UInt16] = [3, 500, 40_000, 65_000, 7, 9, 11, 13, 15]
        let data = PNGBuilder.make(width: 3, height: 1, bitDepth: 16, colorType: 2, rows: [PNGBuilder.bytes16(samples)],
                                   chunksBeforeIDAT: [("sRGB", [0]), ("gAMA", PNGBuilder.uint32(45_455))])
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.sourceLayout == .rgb)
        // Planar: R of the 3 pixels, then G, then B.
        let planar = [3, 65_000, 11, 500, 7, 13, 40_000, 9, 15]
        #expect(levels(decoded.image, maxValue: 65_535) == planar)
    }

    @Test func alphaIsCompositedOverWhite() throws {
        // 8-bit RGBA: opaque red, a half-transparent colour, fully transparent black.
        let rgba = PNGBuilder.make(width: 3, height: 1, bitDepth: 8, colorType: 6,
                                   rows: [[255, 0, 0, 255, 100, 200, 50, 128, 0, 0, 0, 0]])
        let decoded = try ImageCodec.decode(rgba)
        #expect(decoded.sourceLayout == .rgba)
        let img = decoded.image
        #expect(img[0, 0, 0] == 1 && img[0, 0, 1] == 0 && img[0, 0, 2] == 0)
        let a: Float = 128.0 / 255
        for (c, v) in [Float(100), 200, 50].enumerated() {
            #expect(abs(img[1, 0, c] - (v / 255 * a + 1 - a)) < 1e-6)
        }
        #expect(img[2, 0, 0] == 1 && img[2, 0, 1] == 1 && img[2, 0, 2] == 1)

        // 16-bit gray + alpha (libpng hands these out premultiplied): black and a mid gray at half
        // coverage, then opaque black.
        let ga = PNGBuilder.make(width: 3, height: 1, bitDepth: 16, colorType: 4,
                                 rows: [PNGBuilder.bytes16([0, 32_768, 40_000, 32_768, 0, 65_535])])
        let decodedGA = try ImageCodec.decode(ga)
        #expect(decodedGA.sourceLayout == .grayAlpha)
        #expect(decodedGA.bitDepth == 16)
        #expect(decodedGA.image.channels == 1)
        let half: Float = 32_768.0 / 65_535
        #expect(abs(decodedGA.image.data[0] - (1 - half)) < 1e-4)
        #expect(abs(decodedGA.image.data[1] - (40_000.0 / 65_535 * half + 1 - half)) < 1e-4)
        #expect(decodedGA.image.data[2] == 0)
    }

    @Test func paletteImageIsExpanded() throws {
        // 3×1, palette: 0 = red, 1 = (10, 200, 30), 2 = blue but fully transparent (tRNS).
        let data = PNGBuilder.make(width: 3, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1, 2]],
                                   chunksBeforeIDAT: [("PLTE", [255, 0, 0, 10, 200, 30, 0, 0, 255]),
                                                      ("tRNS", [255, 255, 0])])
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.sourceLayout == .palette)
        #expect(decoded.image.channels == 3)
        // Planar R, G, B; the transparent pixel became white.
        #expect(levels(decoded.image, maxValue: 255) == [255, 10, 255, 0, 200, 255, 0, 30, 255])
    }

    @Test func lowBitDepthGrayIsExpanded() throws {
        // 1-bit: 8 pixels 1,0,1,1,0,0,0,1.
        let data = PNGBuilder.make(width: 8, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1011_0001]])
        let decoded = try ImageCodec.decode(data)
        #expect(decoded.bitDepth == 8)
        #expect(decoded.image.data == [1, 0, 1, 1, 0, 0, 0, 1])
    }
}

import CPNG
import Foundation
import Testing
@testable import FindColorImage

/// The web app's PNG (`ImageCodec.encodeFastPNG`): the same pixels as the default encoder, a valid
/// file, and one zlib stream whatever the number of bands it was deflated in.
@Suite struct FastPNGTests {
    @Test(arguments: [(1, 37, 23), (3, 37, 23), (3, 700, 400), (1, 1, 1), (3, 5000, 1)])
    func samePixelsAsTheDefaultEncoder(channels: Int, width: Int, height: Int) throws {
        var image = randomQuantizedImage(width: width, height: height, channels: channels, levels: 255, seed: 7)
        // Off-grid values, out of range and NaN: quantised by the same rule as the default encoder.
        for (i, v) in [Float(-0.5), 0.5, 1.7, .nan, 0.1234, 0.998].enumerated() where i < image.data.count { image.data[i] = v }
        let fast = try ImageCodec.encodeFastPNG(image)
        let standard = try ImageCodec.encode(image, as: .png(bitDepth: 8))
        let a = try ImageCodec.decode(fast), b = try ImageCodec.decode(standard)
        #expect(a.format == .png && a.bitDepth == 8)
        #expect(a.sourceLayout == b.sourceLayout)
        #expect((a.image.width, a.image.height, a.image.channels) == (width, height, channels))
        #expect(a.image.data == b.image.data)
        #expect(pngChunkTypes(fast) == ["IHDR", "sRGB", "IDAT", "IEND"])
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func bandsJoinIntoOneZlibStream(bands: Int) throws {
        // Rows of 301 bytes: a repeating pattern (long matches) and noise (none).
        var rng = SeededRandom(seed: 3)
        let rowBytes = 301, rows = 97
        let data = (0..<rows * rowBytes).map { i in i % 2 == 0 ? UInt8(i / rowBytes % 7) : UInt8.random(in: 0...255, using: &rng) }
        let stream = try FastPNG.zlibStream(data, rowBytes: rowBytes, bands: bands)
        var out = [UInt8](repeating: 0, count: data.count + 1)
        var size = UInt(out.count)
        let status = out.withUnsafeMutableBufferPointer { dst in
            stream.withUnsafeBufferPointer { uncompress(dst.baseAddress, &size, $0.baseAddress, UInt($0.count)) }
        }
        #expect(status == Z_OK)  // also checks the Adler-32 at the end
        #expect(Array(out[0..<Int(size)]) == data)
    }

    @Test func badImagesAreRefusedAsByTheDefaultEncoder() {
        #expect(throws: ImageError.self) { try ImageCodec.encodeFastPNG(PlanarImage(width: 2, height: 2, channels: 2)) }
        #expect(throws: ImageError.self) { try ImageCodec.encodeFastPNG(PlanarImage(width: 0, height: 0, channels: 3)) }
    }
}

/// Encoding 8-bit samples gives the same files as encoding the float image they come from.
@Suite struct EightBitEncodingTests {
    @Test(arguments: [1, 3])
    func sameFilesAsFromTheFloatImage(channels: Int) throws {
        var rng = SeededRandom(seed: 5)
        let image = PlanarImage(width: 67, height: 41, channels: channels) { x, y, c in
            // Values outside [0, 1] and NaN are clamped the same way on both paths.
            if x == 3 && y == 4 { return .nan }
            return Float.random(in: -0.1...1.1, using: &rng) * 0.5 + Float(x + y + c) / 216
        }
        let bytes = InterleavedImage8(image)
        #expect(bytes.samples.count == 67 * 41 * channels)
        for format in [OutputFormat.jpeg(quality: 92), .jpeg(quality: 40), .png(bitDepth: 8)] {
            #expect(try ImageCodec.encode(bytes, as: format) == ImageCodec.encode(image, as: format))
        }
        #expect(ImageCodec.encodesFrom8Bit(.jpeg(quality: 92)) && ImageCodec.encodesFrom8Bit(.png(bitDepth: 8)))
        for format in [OutputFormat.png(bitDepth: 16), .tiff(bitDepth: 8), .tiff(bitDepth: 16)] {
            #expect(!ImageCodec.encodesFrom8Bit(format))
            #expect(throws: ImageError.self) { try ImageCodec.encode(bytes, as: format) }
        }
    }

    @Test func rowQuantizationMatchesTheEncoders() {
        let r: [Float] = [0, 0.5, 1, 1.5, -1, .nan, 0.001960784, 0.001960785]
        let g = r.reversed().map { $0 }, b = r.map { 1 - $0 }
        var out = [UInt8](repeating: 0, count: 3 * r.count)
        out.withUnsafeMutableBufferPointer { quantizeRGB8(count: r.count, red: r, green: g, blue: b, into: $0.baseAddress!) }
        let planar = PlanarImage(width: r.count, height: 1, channels: 3, data: r + g + b)
        #expect(out == InterleavedImage8(planar).samples)
    }

    /// The 8-lane path of `quantizeRGB8` against the scalar quantiser on every rounding boundary
    /// (values within 4 ulps of (k + ½)/255 and of k/255 in the float, and of the products that land
    /// just under a half: 0.49999997), out of range and NaN; an odd count for the scalar tail.
    @Test func rowQuantizationLanesMatchOnEveryBoundary() {
        var values: [Float] = [0, 1, -0, -1e-30, 1e-30, 2, .infinity, -.infinity, .nan, 0.49999997 / 255, 0.5 / 255]
        for k in 0...255 {
            for centre in [(Float(k) + 0.5) / 255, Float(k) / 255] {
                var v = centre
                for _ in 0..<4 { v = v.nextDown }
                for _ in 0..<9 {
                    values.append(v)
                    v = v.nextUp
                }
            }
        }
        values.append(0.3)  // odd count
        let g = values.reversed().map { $0 }, b = values.map { 1 - $0 }
        var out = [UInt8](repeating: 0, count: 3 * values.count)
        out.withUnsafeMutableBufferPointer { quantizeRGB8(count: values.count, red: values, green: g, blue: b, into: $0.baseAddress!) }
        var expected = [UInt8]()
        for i in values.indices {
            for v in [values[i], g[i], b[i]] { expected.append(SampleConversion.quantize(v, maxValue: 255)) }
        }
        #expect(values.count % 8 != 0 && values.count > 4000)
        #expect(out == expected)
    }
}

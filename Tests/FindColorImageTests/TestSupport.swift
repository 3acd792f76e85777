import Foundation
@testable import FindColorImage

/// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// An image whose samples are random multiples of 1/levels (exactly representable at that depth).
func randomQuantizedImage(width: Int, height: Int, channels: Int, levels: Int, seed: UInt64) -> PlanarImage {
    var rng = SeededRandom(seed: seed)
    return PlanarImage(width: width, height: height, channels: channels) { _, _, _ in
        Float(Int.random(in: 0...levels, using: &rng)) / Float(levels)
    }
}

/// A smooth test picture (gradients and soft blobs), the kind of content JPEG handles well.
func smoothImage(width: Int, height: Int, channels: Int) -> PlanarImage {
    PlanarImage(width: width, height: height, channels: channels) { x, y, c in
        let u = Float(x) / Float(width), v = Float(y) / Float(height)
        let blob = expf(-((u - 0.4) * (u - 0.4) + (v - 0.6) * (v - 0.6)) * 8)
        let value = 0.15 + 0.5 * (c == 0 ? u : c == 1 ? v : 1 - u) * (0.6 + 0.4 * v) + 0.3 * blob
        return min(max(value, 0), 1)
    }
}

/// The integer level of every sample at the given depth (`round(v · maxValue)`).
func levels(_ image: PlanarImage, maxValue: Float) -> [Int] {
    image.data.map { Int(($0 * maxValue).rounded()) }
}

/// Peak signal-to-noise ratio in dB for images in [0, 1].
func psnr(_ a: PlanarImage, _ b: PlanarImage) -> Double {
    precondition(a.data.count == b.data.count)
    var sum = 0.0
    for i in a.data.indices {
        let d = Double(a.data[i] - b.data[i])
        sum += d * d
    }
    let mse = sum / Double(a.data.count)
    return mse == 0 ? .infinity : 10 * log10(1 / mse)
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) samples")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Runs `body` and returns the `ImageError` it threw (nil if it did not throw or threw something else).
func imageError(_ body: () throws -> Void) -> ImageError? {
    do {
        try body()
        return nil
    } catch let error as ImageError {
        return error
    } catch {
        return nil
    }
}

// MARK: - Hand-made PNG files

/// Builds a PNG stream by hand (IDAT uses stored, uncompressed deflate blocks), so tests can make
/// files the encoder never produces: other colour types, colour chunks, absurd headers.
enum PNGBuilder {
    /// - Parameters:
    ///   - rows: the raw bytes of each scanline, without the filter byte.
    ///   - chunksBeforeIDAT: extra chunks (type, data), e.g. gAMA, sRGB, PLTE, tRNS.
    static func make(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
                     chunksBeforeIDAT: [(String, [UInt8])] = []) -> Data {
        var ihdr: [UInt8] = []
        PNGChunks.appendUInt32(UInt32(width), to: &ihdr)
        PNGChunks.appendUInt32(UInt32(height), to: &ihdr)
        ihdr += [bitDepth, colorType, 0, 0, 0]
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }
        var out = PNGChunks.signature
        out += PNGChunks.makeChunk(type: "IHDR", data: ihdr)
        for (type, data) in chunksBeforeIDAT { out += PNGChunks.makeChunk(type: type, data: data) }
        out += PNGChunks.makeChunk(type: "IDAT", data: zlibStored(raw))
        out += PNGChunks.makeChunk(type: "IEND", data: [])
        return Data(out)
    }

    /// A zlib stream holding `data` in stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65_535, data.count - offset)
            let final: UInt8 = offset + count == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += data[offset ..< offset + count]
            offset += count
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        PNGChunks.appendUInt32(b << 16 | a, to: &out)
        return out
    }

    static func uint32(_ value: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        PNGChunks.appendUInt32(value, to: &out)
        return out
    }

    /// Big-endian bytes of 16-bit samples.
    static func bytes16(_ samples: [UInt16]) -> [UInt8] {
        samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// The chunk types of a PNG stream, in order.
func pngChunkTypes(_ data: Data) -> [String] {
    data.withUnsafeBytes { PNGChunks.chunks(in: $0).map(\.type) }
}

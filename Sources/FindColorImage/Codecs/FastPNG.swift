import CPNG
import FindColorParallel
import Foundation

/// 8-bit PNG written for speed rather than size, for images shown once (the web app's renders):
/// every row with the Up filter, deflated at zlib level 1 in one band of rows per thread (the
/// bands are joined into one zlib stream, as pigz does). Same pixels and same chunks (IHDR, sRGB,
/// IDAT, IEND) as `PNGCodec.encode(_:bitDepth: 8)`, which chooses a filter per row and deflates at
/// zlib's default level: on a colourized photo about 5× faster for a file about 6 % larger.
enum FastPNG {
    static let level: Int32 = 1

    static func encode(_ image: PlanarImage) throws -> Data {
        try PNGCodec.checkEncodable(image, bitDepth: 8)
        return try encode(InterleavedImage8(image))
    }

    /// The same file from 8-bit samples (1 or 3 channels).
    static func encode(_ image: InterleavedImage8) throws -> Data {
        try PNGCodec.checkEncodable(width: image.width, height: image.height, channels: image.channels, bitDepth: 8)
        let samples = image.samples
        let width = image.width, height = image.height, channels = image.channels
        let rowBytes = width * channels, stride = rowBytes + 1
        // Filter type 2 (Up): each byte minus the byte above it (the first row: minus 0).
        var filtered = [UInt8](repeating: 0, count: height * stride)
        samples.withUnsafeBufferPointer { src in
            filtered.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(count: height, workPerItem: rowBytes) { rows in
                    for y in rows {
                        let row = d + y * stride
                        row[0] = 2
                        let cur = s + y * rowBytes
                        if y == 0 {
                            (row + 1).update(from: cur, count: rowBytes)
                        } else {
                            let above = cur - rowBytes
                            for x in 0..<rowBytes { row[1 + x] = cur[x] &- above[x] }
                        }
                    }
                }
            }
        }
        let stream = try zlibStream(filtered, rowBytes: stride)

        var out = Data(capacity: stream.count + 128)
        out.append(contentsOf: PNGChunks.signature)
        var header: [UInt8] = []
        PNGChunks.appendUInt32(UInt32(width), to: &header)
        PNGChunks.appendUInt32(UInt32(height), to: &header)
        header += [8, channels == 3 ? 2 : 0, 0, 0, 0]  // depth 8, gray or RGB, deflate, adaptive filtering, no interlace
        out.append(contentsOf: PNGChunks.makeChunk(type: "IHDR", data: header))
        out.append(contentsOf: PNGChunks.makeChunk(type: "sRGB", data: [0]))  // perceptual, as libpng writes
        var length: [UInt8] = []
        PNGChunks.appendUInt32(UInt32(stream.count), to: &length)
        out.append(contentsOf: length)
        let type = Array("IDAT".utf8)
        out.append(contentsOf: type)
        out.append(contentsOf: stream)
        var crc = type.withUnsafeBufferPointer { crc32_z(0, $0.baseAddress, $0.count) }
        crc = stream.withUnsafeBufferPointer { crc32_z(crc, $0.baseAddress, $0.count) }
        var crcBytes: [UInt8] = []
        PNGChunks.appendUInt32(UInt32(crc), to: &crcBytes)
        out.append(contentsOf: crcBytes)
        out.append(contentsOf: PNGChunks.makeChunk(type: "IEND", data: []))
        return out
    }

    /// `data` as one zlib stream (RFC 1950): raw deflate of bands of whole rows, each band
    /// compressed on its own thread and ended by a sync flush (the last by the stream's end), then
    /// joined between the zlib header and the Adler-32 of all of `data`.
    /// `bands`: how many (nil: one per thread, each of at least 256 KB, since smaller ones cost
    /// more in lost matches and thread starts than they save; never more than there are rows).
    static func zlibStream(_ data: [UInt8], rowBytes: Int, bands: Int? = nil) throws -> [UInt8] {
        let rows = data.count / rowBytes
        // At most 1 GB a band: zlib counts a call's input in 32 bits.
        let bands = min(max(1, rows), max(bands ?? min(Parallel.threadCount, data.count / (256 << 10)), data.count >> 30 + 1))
        var parts = [[UInt8]](repeating: [], count: bands)
        var failed = false
        let lock = NSLock()
        data.withUnsafeBufferPointer { src in
            parts.withUnsafeMutableBufferPointer { parts in
                Parallel.forEachRange(bands) { range in
                    for band in range {
                        let start = rows * band / bands * rowBytes, end = rows * (band + 1) / bands * rowBytes
                        if let part = deflateRaw(src.baseAddress! + start, count: end - start, last: band == bands - 1) {
                            parts[band] = part
                        } else {
                            lock.lock()
                            failed = true
                            lock.unlock()
                        }
                    }
                }
            }
        }
        if failed { throw ImageError.encodingFailed(format: .png, detail: "zlib could not compress the image") }
        var out: [UInt8] = [0x78, 0x01]  // deflate, 32 KB window, level 1 ("fastest")
        out.reserveCapacity(parts.reduce(6) { $0 + $1.count })
        for part in parts { out += part }
        let adler = data.withUnsafeBufferPointer { adler32_z(1, $0.baseAddress, $0.count) }
        PNGChunks.appendUInt32(UInt32(adler), to: &out)
        return out
    }

    /// Raw deflate (no zlib header) of `count` bytes, ended by a sync flush, or by the final
    /// block when `last`; nil when zlib fails.
    private static func deflateRaw(_ bytes: UnsafePointer<UInt8>, count: Int, last: Bool) -> [UInt8]? {
        var z = z_stream()
        guard deflateInit2_(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&z) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&z, UInt(count))) + 64)
        let status = out.withUnsafeMutableBufferPointer { dst -> Int32 in
            z.next_in = UnsafeMutablePointer(mutating: bytes)
            z.avail_in = UInt32(count)
            z.next_out = dst.baseAddress
            z.avail_out = UInt32(dst.count)
            return deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH)
        }
        guard status == (last ? Z_STREAM_END : Z_OK), z.avail_in == 0 else { return nil }
        out.removeSubrange(Int(z.total_out)...)
        return out
    }
}

import Foundation

/// Low-level access to the chunk structure of a PNG stream: signature, then chunks of
/// `length (4 bytes, big-endian) · type (4 ASCII bytes) · data · CRC-32 (of type + data)`.
///
/// Used for what libpng's simplified API cannot do: reading the colour-encoding chunks of 16-bit
/// files so their samples can be kept exact (see `PNGCodec`), and tagging 16-bit output as sRGB.
enum PNGChunks {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    struct Chunk {
        /// Four-character type, e.g. "IHDR".
        var type: String
        /// Range of the chunk's data bytes.
        var data: Range<Int>
        /// Range of the whole chunk (length, type, data, CRC).
        var whole: Range<Int>
    }

    /// The chunks of `bytes`, in order, up to IEND or the first chunk that does not fit in the
    /// buffer (truncated files are left for libpng to report). Empty if the signature is wrong.
    static func chunks(in bytes: UnsafeRawBufferPointer) -> [Chunk] {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { return [] }
        var result: [Chunk] = []
        var pos = 8
        while pos + 12 <= bytes.count {
            let length = Int(readUInt32(bytes, at: pos))
            let end = pos + 12 + length
            guard length <= 0x7FFF_FFFF, end <= bytes.count else { break }
            let typeBytes = bytes[(pos + 4)..<(pos + 8)]
            let type = String(decoding: typeBytes, as: UTF8.self)
            result.append(Chunk(type: type, data: (pos + 8)..<(pos + 8 + length), whole: pos..<end))
            if type == "IEND" { break }
            pos = end
        }
        return result
    }

    /// A copy of `bytes` without the chunks whose type is in `types`. Bytes that are not part of a
    /// well-formed chunk (a truncated tail) are kept as they are.
    static func removing(_ types: Set<String>, from bytes: UnsafeRawBufferPointer) -> Data {
        let list = chunks(in: bytes)
        var out = Data(capacity: bytes.count)
        var copiedUpTo = 0
        for chunk in list where types.contains(chunk.type) {
            out.append(contentsOf: bytes[copiedUpTo..<chunk.whole.lowerBound])
            copiedUpTo = chunk.whole.upperBound
        }
        out.append(contentsOf: bytes[copiedUpTo..<bytes.count])
        return out
    }

    /// A complete chunk (length, type, data, CRC) ready to be spliced into a stream.
    static func makeChunk(type: String, data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        precondition(typeBytes.count == 4, "PNG chunk types have four letters")
        var out: [UInt8] = []
        out.reserveCapacity(12 + data.count)
        appendUInt32(UInt32(data.count), to: &out)
        out += typeBytes
        out += data
        appendUInt32(CRC32.checksum(typeBytes + data), to: &out)
        return out
    }

    static func readUInt32(_ bytes: UnsafeRawBufferPointer, at pos: Int) -> UInt32 {
        UInt32(bytes[pos]) << 24 | UInt32(bytes[pos + 1]) << 16 | UInt32(bytes[pos + 2]) << 8 | UInt32(bytes[pos + 3])
    }

    static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

/// CRC-32 (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320), as used by PNG chunks and zlib.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}

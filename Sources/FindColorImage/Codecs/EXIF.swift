import Foundation

/// A minimal EXIF reader: just enough to find the orientation (tag 0x0112 in IFD0) of a JPEG.
///
/// A JPEG carries EXIF in an APP1 segment (`FF E1`, length, `"Exif\0\0"`), whose payload is a small
/// TIFF structure: a byte-order mark (`II` little-endian or `MM` big-endian), the number 42, the
/// offset of the first image file directory (IFD0), then 12-byte entries (tag, type, count, value).
/// Every read is bounds-checked; malformed metadata yields `nil` (treated as "upright"), never a
/// crash or an error, because a broken EXIF block should not make an otherwise good photo unreadable.
public enum EXIF {
    /// The orientation tag.
    static let orientationTag: UInt16 = 0x0112

    /// The EXIF orientation (1...8) of a JPEG file, or `nil` if it has none (or an invalid one).
    public static func orientation(inJPEG data: Data) -> Int? {
        data.withUnsafeBytes { orientation(inJPEG: $0) }
    }

    static func orientation(inJPEG bytes: UnsafeRawBufferPointer) -> Int? {
        guard let payload = exifPayloadRange(inJPEG: bytes) else { return nil }
        return orientation(inTIFFStructure: UnsafeRawBufferPointer(rebasing: bytes[payload]))
    }

    /// The byte range of the TIFF structure inside the first APP1 "Exif" segment, if any.
    static func exifPayloadRange(inJPEG bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var pos = 2
        while pos + 4 <= bytes.count {
            guard bytes[pos] == 0xFF else { return nil } // not at a marker: give up quietly
            let marker = bytes[pos + 1]
            if marker == 0xFF { pos += 1; continue }      // fill byte
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { pos += 2; continue } // no length
            if marker == 0xDA || marker == 0xD9 { return nil } // start of scan / end: metadata is over
            let length = Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            let start = pos + 4, end = pos + 2 + length
            guard length >= 2, end <= bytes.count else { return nil }
            if marker == 0xE1, end - start >= 6,
               bytes[start] == 0x45, bytes[start + 1] == 0x78, bytes[start + 2] == 0x69,   // "Exi"
               bytes[start + 3] == 0x66, bytes[start + 4] == 0, bytes[start + 5] == 0 {   // "f\0\0"
                return (start + 6)..<end
            }
            pos = end
        }
        return nil
    }

    /// The orientation stored in IFD0 of a TIFF structure (EXIF payload or TIFF file header).
    static func orientation(inTIFFStructure tiff: UnsafeRawBufferPointer) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            let a = Int(tiff[at]), b = Int(tiff[at + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(littleEndian ? at : at + 2), let hi = u16(littleEndian ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry), let type = u16(entry + 2), let n = u32(entry + 4) else { return nil }
            guard tag == Int(orientationTag) else { continue }
            let value: Int?
            switch type {
            case 3 where n >= 1: value = u16(entry + 8)  // SHORT, stored in the first 2 value bytes
            case 4 where n >= 1: value = u32(entry + 8)  // LONG (non-standard but seen in the wild)
            default: value = nil
            }
            guard let v = value, (1...8).contains(v) else { return nil }
            return v
        }
        return nil
    }
}

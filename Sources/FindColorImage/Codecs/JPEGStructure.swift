/// What a JPEG's markers declare, read before TurboJPEG is called, so that the decoder's memory and
/// work can be bounded from the header (TurboJPEG 2.1 has no memory limit of its own).
///
/// libjpeg decodes a progressive JPEG (or a sequential one whose first scan does not hold every
/// component) into a whole-image buffer of DCT coefficients, 128 bytes per 8×8 block of every
/// component (blocks rounded up to the sampling factors), before any pixel comes out; every scan
/// then walks that buffer again. `coefficientBufferBytes` estimates that buffer, `scans` counts the
/// passes. Every read is bounds-checked; a damaged stream ends the walk (TurboJPEG reports it).
struct JPEGStructure: Equatable {
    struct Component: Equatable {
        var h: Int
        var v: Int
    }

    /// The SOF marker (0xC0…0xCF, not C4/C8/CC).
    var frameMarker: UInt8 = 0
    var precision = 0
    var width = 0
    var height = 0
    var components: [Component] = []
    /// Start-of-scan markers found.
    var scans = 0
    /// Components in the first scan.
    var firstScanComponents = 0

    /// SOF2, SOF6, SOF10, SOF14.
    var isProgressive: Bool { [0xC2, 0xC6, 0xCA, 0xCE].contains(frameMarker) }

    /// Whether libjpeg buffers the whole image's coefficients (`has_multiple_scans` in jdinput.c:
    /// progressive, or a first scan that leaves components out).
    var buffersCoefficients: Bool {
        isProgressive || (firstScanComponents > 0 && firstScanComponents < components.count)
    }

    /// Bytes of the whole-image coefficient buffer libjpeg allocates (0 when it needs none; nil when
    /// the computation overflows or the sampling factors are invalid).
    var coefficientBufferBytes: Int? {
        guard buffersCoefficients else { return 0 }
        let hMax = components.map(\.h).max() ?? 1, vMax = components.map(\.v).max() ?? 1
        guard hMax >= 1, vMax >= 1, width >= 0, height >= 0 else { return nil }
        var total = 0
        for c in components {
            guard (1...4).contains(c.h), (1...4).contains(c.v) else { return nil }
            // jdinput.c: width_in_blocks = ceil(width · h / (8 · hMax)); jdcoefct.c rounds up to h.
            guard let wScaled = DecodeLimits.product(width, c.h), let hScaled = DecodeLimits.product(height, c.v) else { return nil }
            let wBlocks = roundUp(ceilDiv(wScaled, 8 * hMax), c.h)
            let hBlocks = roundUp(ceilDiv(hScaled, 8 * vMax), c.v)
            guard let bytes = DecodeLimits.product(wBlocks, hBlocks, 128) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(bytes)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    private func ceilDiv(_ a: Int, _ b: Int) -> Int { a / b + (a % b == 0 ? 0 : 1) }
    private func roundUp(_ a: Int, _ m: Int) -> Int { ceilDiv(a, m) * m }

    /// Walks the marker segments of `bytes` (a JPEG stream): the first frame header and the number
    /// of scans. Returns nil when there is no frame header before the stream ends or breaks.
    static func read(_ bytes: UnsafeRawBufferPointer) -> JPEGStructure? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var s = JPEGStructure()
        var pos = 2
        while pos + 2 <= bytes.count {
            guard bytes[pos] == 0xFF else { break } // lost sync: leave the details to libjpeg
            let marker = bytes[pos + 1]
            if marker == 0xFF { pos += 1; continue }                                   // fill byte
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { pos += 2; continue } // no length
            if marker == 0xD9 { break }                                                 // end of image
            guard pos + 4 <= bytes.count else { break }
            let length = Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            let start = pos + 4, end = pos + 2 + length
            guard length >= 2, end <= bytes.count else { break }
            let isFrame = (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
            if isFrame && s.frameMarker == 0 {
                guard end - start >= 6 else { break }
                s.frameMarker = marker
                s.precision = Int(bytes[start])
                s.height = Int(bytes[start + 1]) << 8 | Int(bytes[start + 2])
                s.width = Int(bytes[start + 3]) << 8 | Int(bytes[start + 4])
                let count = Int(bytes[start + 5])
                guard end - start >= 6 + 3 * count else { break }
                for i in 0..<count {
                    let factors = bytes[start + 6 + 3 * i + 1]
                    s.components.append(Component(h: Int(factors >> 4), v: Int(factors & 0x0F)))
                }
            }
            pos = end
            if marker == 0xDA {
                if s.scans == 0, end - start >= 1 { s.firstScanComponents = Int(bytes[start]) }
                s.scans += 1
                // Entropy-coded data: up to the next marker that is not a stuffed 0xFF00 or a restart.
                while pos + 1 < bytes.count {
                    if bytes[pos] == 0xFF {
                        let next = bytes[pos + 1]
                        if next != 0x00 && next != 0xFF && !(0xD0...0xD7).contains(next) { break }
                        pos += next == 0xFF ? 1 : 2
                    } else {
                        pos += 1
                    }
                }
            }
        }
        return s.frameMarker == 0 ? nil : s
    }
}

import CTurboJPEG
import FindColorParallel
import Foundation

/// JPEG decoding and encoding through the TurboJPEG API of libjpeg-turbo.
///
/// TurboJPEG reports errors through return codes (its classic libjpeg error manager, which would
/// call `exit()`, is replaced internally by one that `longjmp`s back into TurboJPEG itself), so it
/// is safe to call from Swift, where `setjmp` is unavailable.
///
/// Decoding: gray JPEGs give a 1-channel image, YCbCr/RGB give 3 channels, CMYK/YCCK are converted
/// to RGB assuming Adobe's inverted CMYK storage (what Photoshop writes: R = C·K, G = M·K, B = Y·K
/// on the stored values). The EXIF orientation is applied. Truncated files ("Premature end of
/// JPEG file") are rejected; other recoverable libjpeg warnings (extraneous bytes between markers and
/// the like) are tolerated, as image viewers do.
enum JPEGCodec {
    /// Largest width or height libjpeg writes (`JPEG_MAX_DIMENSION`; the format itself could say 65535).
    static let maxDimension = 65_500
    /// Most scans decoded; TurboJPEG's `TJFLAG_LIMITSCANS` stops at the same count, but only after
    /// decoding the first 500 (each a pass over the whole image).
    static let maxScans = 500

    static func decode(_ data: Data, limits: DecodeLimits) throws -> DecodedImage {
        try decompress(data, limits: limits) { pixels, w, h, layout, orientation in
            // Planar floats, then upright.
            var image: PlanarImage = pixels.withUnsafeBufferPointer { p in
                switch layout {
                case .gray:
                    return SampleConversion.planar(from: p.baseAddress!, width: w, height: h,
                                                   storedChannels: 1, colorChannels: 1, alpha: .none)
                case .cmyk:
                    return cmykToRGB(p.baseAddress!, width: w, height: h)
                default:
                    return SampleConversion.planar(from: p.baseAddress!, width: w, height: h,
                                                   storedChannels: 3, colorChannels: 3, alpha: .none)
                }
            }
            image = image.applyingOrientation(orientation)
            return DecodedImage(image: image, format: .jpeg, sourceLayout: layout, bitDepth: 8, orientation: orientation)
        }
    }

    /// L\* of the photo, upright: for a colour JPEG straight from its 8-bit samples
    /// (`lightness(ofRGB8:)`, the same values as `lightness(of:)` of `decode`'s image) without the
    /// float RGB planes (a 24 MP photo: 288 MB); gray and CMYK ones through `decode`'s image.
    static func decodeLightness(_ data: Data, limits: DecodeLimits) throws -> LightnessImage {
        try decompress(data, limits: limits) { pixels, w, h, layout, orientation in
            let L: LightnessImage = pixels.withUnsafeBufferPointer { p in
                switch layout {
                case .gray:
                    return lightness(of: SampleConversion.planar(from: p.baseAddress!, width: w, height: h,
                                                                 storedChannels: 1, colorChannels: 1, alpha: .none))
                case .cmyk:
                    return lightness(of: cmykToRGB(p.baseAddress!, width: w, height: h))
                default:
                    return lightness(ofRGB8: p.baseAddress!, width: w, height: h)
                }
            }
            return L.applyingOrientation(orientation)
        }
    }

    /// Decompresses to 8-bit samples (gray: 1 a pixel, RGB: 3, CMYK: 4) and hands them to `body`
    /// with the size, the layout and the EXIF orientation (not yet applied).
    private static func decompress<R>(_ data: Data, limits: DecodeLimits,
                                      _ body: ([UInt8], Int, Int, SourceLayout, Int) throws -> R) throws -> R {
        guard data.count >= 4 else { throw ImageError.corrupt(format: .jpeg, detail: "the file is only \(data.count) bytes long") }
        guard let handle = tjInitDecompress() else {
            throw ImageError.corrupt(format: .jpeg, detail: "could not initialise the TurboJPEG decompressor")
        }
        defer { tjDestroy(handle) }

        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> R in
            let jpeg = raw.bindMemory(to: UInt8.self).baseAddress!
            let jpegSize = UInt(raw.count)

            // 1. Header only: dimensions and colour space, no pixel memory yet.
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            if tjDecompressHeader3(handle, jpeg, jpegSize, &width, &height, &subsampling, &colorspace) != 0 {
                throw ImageError.corrupt(format: .jpeg, detail: errorMessage(handle))
            }
            try limits.check(width: Int(width), height: Int(height), format: .jpeg)
            try checkDecoderMemory(raw, width: Int(width), height: Int(height), colorspace: colorspace, limits: limits)

            let layout: SourceLayout
            let pixelFormat: TJPF
            switch colorspace {
            case Int32(TJCS_GRAY.rawValue):
                layout = .gray; pixelFormat = TJPF_GRAY
            case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue):
                layout = .cmyk; pixelFormat = TJPF_CMYK
            default:
                layout = .rgb; pixelFormat = TJPF_RGB
            }
            let storedChannels = layout.channelCount // 1 (gray), 3 (RGB) or 4 (CMYK)

            // 2. Pixels.
            var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * storedChannels)
            let flags = TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS
            let status = pixels.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, jpeg, jpegSize, out.baseAddress, width, 0, height,
                              Int32(pixelFormat.rawValue), flags)
            }
            if status != 0 {
                let message = errorMessage(handle)
                let fatal = tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue)
                if fatal || message.localizedCaseInsensitiveContains("premature end") {
                    throw ImageError.corrupt(format: .jpeg, detail: message)
                }
            }

            let orientation = EXIF.orientation(inJPEG: raw) ?? 1
            return try body(pixels, Int(width), Int(height), layout, orientation)
        }
    }

    /// Encodes a 1-channel (grayscale JPEG) or 3-channel (YCbCr 4:4:4) image.
    static func encode(_ image: PlanarImage, quality: Int) throws -> Data {
        try encode(InterleavedImage8(image), quality: quality)
    }

    /// Encodes 8-bit samples (1 channel: grayscale JPEG; 3: YCbCr 4:4:4). Photos of a megapixel or
    /// more are encoded in horizontal strips on every core (`encodeStrips`).
    static func encode(_ image: InterleavedImage8, quality: Int) throws -> Data {
        try OutputFormat.jpeg(quality: quality).validate()
        guard image.channels == 1 || image.channels == 3 else {
            throw ImageError.invalidArgument("JPEG needs a 1- or 3-channel image, got \(image.channels) channels")
        }
        guard image.width > 0, image.height > 0 else { throw ImageError.invalidArgument("cannot encode an empty image") }
        try OutputFormat.jpeg(quality: quality).checkCanEncode(width: image.width, height: image.height)
        let strips = image.width * image.height >= 1 << 20 ? Parallel.threadCount : 1
        return try encodeStrips(image, quality: quality, strips: strips)
    }

    /// TurboJPEG's compressor is single-threaded; a 12 MP photo takes it ~0.13 s. Here the photo is
    /// cut into `strips` bands (or more: a restart interval holds at most 65535 MCUs) whose heights
    /// are whole 8-pixel MCU rows, each band is compressed on its own thread with the same settings
    /// (and so the same quantisation and standard Huffman tables), and the bands' entropy-coded data
    /// are joined with restart markers (RST0…RST7 in turn) under one header, whose frame height is
    /// the photo's and whose DRI segment sets the restart interval to one band. A decoder resets its
    /// DC predictions at each marker, as each band's encoder started from zero: the file decodes to
    /// exactly the pixels of a one-piece encoding (tested), about 2 bytes larger per band.
    static func encodeStrips(_ image: InterleavedImage8, quality: Int, strips: Int) throws -> Data {
        let mcusPerRow = (image.width + 7) / 8, mcuRows = (image.height + 7) / 8
        let rowsPerBand = min((mcuRows + max(1, strips) - 1) / max(1, strips), 65_535 / mcusPerRow)
        let bands = (mcuRows + rowsPerBand - 1) / rowsPerBand
        if bands <= 1 { return try image.samples.withUnsafeBufferPointer { try compress($0.baseAddress!, image, rows: image.height, quality: quality) } }
        var parts = [Result<Data, Error>?](repeating: nil, count: bands)
        let rowBytes = image.width * image.channels
        image.samples.withUnsafeBufferPointer { p in
            parts.withUnsafeMutableBufferPointer { out in
                Parallel.forEachRange(bands) { range in
                    for i in range {
                        let y0 = i * rowsPerBand * 8, rows = min(rowsPerBand * 8, image.height - y0)
                        out[i] = Result { try compress(p.baseAddress! + y0 * rowBytes, image, rows: rows, quality: quality) }
                    }
                }
            }
        }
        let encoded = try parts.map { try $0!.get() }
        guard let first = JPEGBand(encoded[0]) else {
            throw ImageError.encodingFailed(format: .jpeg, detail: "TurboJPEG wrote a stream without a frame and scan header")
        }
        var out = Data(capacity: encoded.reduce(0) { $0 + $1.count } + 8 * bands)
        var header = encoded[0][..<first.scanHeader]
        header[header.startIndex + first.frameHeight] = UInt8(image.height >> 8)
        header[header.startIndex + first.frameHeight + 1] = UInt8(image.height & 0xFF)
        out.append(header)
        let interval = rowsPerBand * mcusPerRow
        out.append(contentsOf: [0xFF, 0xDD, 0x00, 0x04, UInt8(interval >> 8), UInt8(interval & 0xFF)])  // DRI
        out.append(encoded[0][first.scanHeader..<first.entropy])
        for (i, data) in encoded.enumerated() {
            guard let band = i == 0 ? first : JPEGBand(data) else {
                throw ImageError.encodingFailed(format: .jpeg, detail: "TurboJPEG wrote a stream without a scan header")
            }
            if i > 0 { out.append(contentsOf: [0xFF, 0xD0 + UInt8((i - 1) % 8)]) }  // RSTn
            out.append(data[band.entropy..<data.endIndex - 2])  // up to the EOI marker
        }
        out.append(contentsOf: [0xFF, 0xD9])
        return out
    }

    /// One TurboJPEG compression of `rows` rows of `image`'s layout starting at `pointer`.
    static func compress(_ pointer: UnsafePointer<UInt8>, _ image: InterleavedImage8, rows: Int, quality: Int) throws -> Data {
        guard let handle = tjInitCompress() else {
            throw ImageError.encodingFailed(format: .jpeg, detail: "could not initialise the TurboJPEG compressor")
        }
        defer { tjDestroy(handle) }
        let gray = image.channels == 1
        var jpegBuffer: UnsafeMutablePointer<UInt8>? = nil
        var jpegSize: UInt = 0
        defer { if let jpegBuffer { tjFree(jpegBuffer) } }
        let status = tjCompress2(handle, pointer, Int32(image.width), 0, Int32(rows),
                                 Int32((gray ? TJPF_GRAY : TJPF_RGB).rawValue),
                                 &jpegBuffer, &jpegSize,
                                 Int32((gray ? TJSAMP_GRAY : TJSAMP_444).rawValue),
                                 Int32(quality), TJFLAG_ACCURATEDCT)
        guard status == 0, let jpegBuffer else {
            throw ImageError.encodingFailed(format: .jpeg, detail: errorMessage(handle))
        }
        return Data(bytes: jpegBuffer, count: Int(jpegSize))
    }

    /// Refuses, before TurboJPEG allocates anything, a stream whose decoding would take more memory
    /// than `limits` allows (the output buffer, and the whole-image coefficient buffer of progressive
    /// and multi-scan files) or more than `maxScans` passes over the image.
    static func checkDecoderMemory(_ raw: UnsafeRawBufferPointer, width: Int, height: Int, colorspace: Int32,
                                   limits: DecodeLimits) throws {
        let outputChannels = colorspace == Int32(TJCS_GRAY.rawValue) ? 1
            : (colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)) ? 4 : 3
        try limits.checkBuffer(DecodeLimits.product(width, height, outputChannels),
                               what: "the decoded \(width)×\(height) JPEG", format: .jpeg)
        guard let structure = JPEGStructure.read(raw) else { return } // TurboJPEG read a header; let it explain
        guard structure.scans <= maxScans else {
            throw ImageError.unsupported(
                format: .jpeg, detail: "the file has \(structure.scans) scans; at most \(maxScans) are decoded")
        }
        if structure.buffersCoefficients {
            let kind = structure.isProgressive ? "progressive" : "multi-scan"
            try limits.checkBuffer(structure.coefficientBufferBytes,
                                   what: "the coefficient buffer of the \(kind) \(structure.width)×\(structure.height) JPEG "
                                       + "(\(structure.components.count) components)",
                                   format: .jpeg)
        }
    }

    /// Adobe-style (inverted) CMYK → RGB: with stored values c, m, y, k in [0, 1], R = c·k etc.
    private static func cmykToRGB(_ p: UnsafePointer<UInt8>, width: Int, height: Int) -> PlanarImage {
        var out = PlanarImage(width: width, height: height, channels: 3)
        let n = width * height
        out.data.withUnsafeMutableBufferPointer { d in
            for i in 0..<n {
                let k = Float(p[4 * i + 3]) / 255
                for c in 0..<3 {
                    d[c * n + i] = Float(p[4 * i + c]) / 255 * k
                }
            }
        }
        return out
    }

    private static func errorMessage(_ handle: tjhandle) -> String {
        guard let message = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: message)
    }
}

/// Where the parts of a baseline JPEG that TurboJPEG wrote are: the frame's height field, the scan
/// header and the entropy-coded data after it (which runs to the EOI marker at the end).
struct JPEGBand {
    /// Offset of the SOF0 segment's height (2 bytes, big-endian), from the data's start.
    let frameHeight: Int
    /// Offset of the SOS marker.
    let scanHeader: Int
    /// Offset of the first entropy-coded byte (after the SOS segment).
    let entropy: Int

    init?(_ data: Data) {
        let b = data  // read in place (offsets below are from its start)
        precondition(b.startIndex == 0, "a band is a whole Data, not a slice")
        var i = 2, height: Int? = nil
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1], length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            if marker == 0xC0 { height = i + 5 }  // FF C0, length (2), precision (1), height (2)
            if marker == 0xDA {
                guard let height, i + 2 + length <= b.count - 2 else { return nil }
                frameHeight = height
                scanHeader = i
                entropy = i + 2 + length
                return
            }
            i += 2 + length
        }
        return nil
    }
}

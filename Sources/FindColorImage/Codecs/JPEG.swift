import CTurboJPEG
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
        guard data.count >= 4 else { throw ImageError.corrupt(format: .jpeg, detail: "the file is only \(data.count) bytes long") }
        guard let handle = tjInitDecompress() else {
            throw ImageError.corrupt(format: .jpeg, detail: "could not initialise the TurboJPEG decompressor")
        }
        defer { tjDestroy(handle) }

        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> DecodedImage in
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

            // 3. Planar floats, then upright.
            let w = Int(width), h = Int(height)
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
            let orientation = EXIF.orientation(inJPEG: raw) ?? 1
            image = image.applyingOrientation(orientation)
            return DecodedImage(image: image, format: .jpeg, sourceLayout: layout, bitDepth: 8, orientation: orientation)
        }
    }

    /// Encodes a 1-channel (grayscale JPEG) or 3-channel (YCbCr 4:4:4) image.
    static func encode(_ image: PlanarImage, quality: Int) throws -> Data {
        try encode(InterleavedImage8(image), quality: quality)
    }

    /// Encodes 8-bit samples (1 channel: grayscale JPEG; 3: YCbCr 4:4:4).
    static func encode(_ image: InterleavedImage8, quality: Int) throws -> Data {
        try OutputFormat.jpeg(quality: quality).validate()
        guard image.channels == 1 || image.channels == 3 else {
            throw ImageError.invalidArgument("JPEG needs a 1- or 3-channel image, got \(image.channels) channels")
        }
        guard image.width > 0, image.height > 0 else { throw ImageError.invalidArgument("cannot encode an empty image") }
        try OutputFormat.jpeg(quality: quality).checkCanEncode(width: image.width, height: image.height)
        guard let handle = tjInitCompress() else {
            throw ImageError.encodingFailed(format: .jpeg, detail: "could not initialise the TurboJPEG compressor")
        }
        defer { tjDestroy(handle) }

        let gray = image.channels == 1
        var jpegBuffer: UnsafeMutablePointer<UInt8>? = nil
        var jpegSize: UInt = 0
        defer { if let jpegBuffer { tjFree(jpegBuffer) } }
        let status = image.samples.withUnsafeBufferPointer { p in
            tjCompress2(handle, p.baseAddress, Int32(image.width), 0, Int32(image.height),
                        Int32((gray ? TJPF_GRAY : TJPF_RGB).rawValue),
                        &jpegBuffer, &jpegSize,
                        Int32((gray ? TJSAMP_GRAY : TJSAMP_444).rawValue),
                        Int32(quality), TJFLAG_ACCURATEDCT)
        }
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

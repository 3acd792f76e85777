import Foundation

/// The file formats this module reads and writes.
public enum ImageFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case jpeg
    case png
    case tiff

    /// "JPEG", "PNG" or "TIFF".
    public var displayName: String { rawValue.uppercased() }

    public var description: String { displayName }

    /// The usual file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .jpeg: return "jpg"
        case .png: return "png"
        case .tiff: return "tif"
        }
    }

    /// The MIME type, e.g. for an HTTP `Content-Type`.
    public var mimeType: String {
        switch self {
        case .jpeg: return "image/jpeg"
        case .png: return "image/png"
        case .tiff: return "image/tiff"
        }
    }

    /// Recognises a format from its leading "magic" bytes; `nil` when it is none of the three.
    ///
    /// - JPEG: `FF D8 FF`
    /// - PNG: `89 50 4E 47 0D 0A 1A 0A`
    /// - TIFF: `II*\0` / `MM\0*` (classic) or `II+\0` / `MM\0+` (BigTIFF)
    public init?(detecting data: Data) {
        let head = [UInt8](data.prefix(8))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF {
            self = .jpeg
        } else if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
            self = .png
        } else if ImageFormat.tiffMagics.contains(Array(head.prefix(4))) {
            self = .tiff
        } else {
            return nil
        }
    }

    private static let tiffMagics: [[UInt8]] = [
        [0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A], // classic TIFF, little / big endian
        [0x49, 0x49, 0x2B, 0x00], [0x4D, 0x4D, 0x00, 0x2B], // BigTIFF
    ]

    /// Like `init?(detecting:)`, but throws `ImageError.empty` / `.unrecognizedFormat`.
    public static func detect(_ data: Data) throws -> ImageFormat {
        if data.isEmpty { throw ImageError.empty }
        guard let format = ImageFormat(detecting: data) else { throw ImageError.unrecognizedFormat }
        return format
    }

    /// The format named by a file extension (case-insensitive, with or without the dot):
    /// jpg/jpeg/jpe/jfif, png, tif/tiff. `nil` for anything else.
    public init?(fileExtension: String) {
        var ext = fileExtension.lowercased()
        if ext.hasPrefix(".") { ext.removeFirst() }
        switch ext {
        case "jpg", "jpeg", "jpe", "jfif": self = .jpeg
        case "png": self = .png
        case "tif", "tiff": self = .tiff
        default: return nil
        }
    }

    /// The format named by a file's extension, e.g. `photo.JPG` → `.jpeg`.
    public init?(url: URL) {
        self.init(fileExtension: url.pathExtension)
    }
}

/// How to encode an image.
public enum OutputFormat: Equatable, Sendable, CustomStringConvertible {
    /// PNG, 8 or 16 bits per sample (16-bit files are tagged sRGB and keep exact sample values).
    case png(bitDepth: Int)
    /// Baseline JPEG, 8 bits, 4:4:4 (no chroma subsampling); quality 1...100.
    case jpeg(quality: Int)
    /// TIFF, 8 or 16 bits per sample, LZW with horizontal prediction.
    case tiff(bitDepth: Int)

    /// The default JPEG quality used when only the format is known.
    public static let defaultJPEGQuality = 95

    /// The container format.
    public var format: ImageFormat {
        switch self {
        case .png: return .png
        case .jpeg: return .jpeg
        case .tiff: return .tiff
        }
    }

    public var description: String {
        switch self {
        case .png(let depth): return "PNG (\(depth)-bit)"
        case .jpeg(let quality): return "JPEG (quality \(quality))"
        case .tiff(let depth): return "TIFF (\(depth)-bit)"
        }
    }

    /// The default encoding for a format: 8-bit PNG, JPEG at `jpegQuality`, 16-bit TIFF (TIFF is
    /// chosen for archival output, where the extra precision is the point). The one rule for an
    /// output's extension and for a format named without a depth.
    public init(defaultFor format: ImageFormat, jpegQuality: Int = OutputFormat.defaultJPEGQuality) {
        switch format {
        case .png: self = .png(bitDepth: 8)
        case .jpeg: self = .jpeg(quality: jpegQuality)
        case .tiff: self = .tiff(bitDepth: 16)
        }
    }

    /// The default encoding for a file extension (see `init(defaultFor:)`); `nil` when the extension
    /// names no supported format.
    public init?(fileExtension: String, jpegQuality: Int = OutputFormat.defaultJPEGQuality) {
        guard let format = ImageFormat(fileExtension: fileExtension) else { return nil }
        self.init(defaultFor: format, jpegQuality: jpegQuality)
    }

    /// The encoding a format name stands for (the CLI's `--format`): png, png16, jpeg/jpg, tiff/tif;
    /// without a depth the defaults of `init(defaultFor:)`, so `tiff` is 16-bit as `-o x.tif` is.
    public init?(name: String, jpegQuality: Int = OutputFormat.defaultJPEGQuality) {
        switch name.lowercased() {
        case "png16": self = .png(bitDepth: 16)
        case "png", "jpeg", "jpg", "tiff", "tif": self.init(fileExtension: name, jpegQuality: jpegQuality)
        default: return nil
        }
    }

    /// The largest width and height this format can store: JPEG 65500 pixels per side (libjpeg's
    /// `JPEG_MAX_DIMENSION`, below the 65535 the format's 16-bit fields could hold); PNG (2³¹ − 1) / 8
    /// wide, so that a row of 16-bit RGBA still has a 32-bit byte count, and 2³¹ − 1 tall; TIFF 2³² − 1.
    public var maxDimensions: (width: Int, height: Int) {
        switch self {
        case .jpeg: return (JPEGCodec.maxDimension, JPEGCodec.maxDimension)
        case .png: return (Int(Int32.max) / 8, Int(Int32.max))
        case .tiff: return (Int(UInt32.max), Int(UInt32.max))
        }
    }

    /// Throws `ImageError.invalidArgument` when a `width × height` result cannot be written in this
    /// format (e.g. JPEG over 65500 pixels per side). Cheap: call it when the output format is
    /// chosen, before the work that produces the image, so that a request fails at once.
    public func checkCanEncode(width: Int, height: Int) throws {
        try validate()
        let limit = maxDimensions
        guard width <= limit.width, height <= limit.height else {
            let sides = limit.width == limit.height ? "\(limit.width) pixels per side"
                : "\(limit.width) pixels wide and \(limit.height) tall"
            throw ImageError.invalidArgument(
                "\(format.displayName) images are limited to \(sides); this one is \(width)×\(height)")
        }
    }

    /// Throws `ImageError.invalidArgument` for a bit depth other than 8/16 or a quality outside 1...100.
    public func validate() throws {
        switch self {
        case .png(let depth), .tiff(let depth):
            guard depth == 8 || depth == 16 else {
                throw ImageError.invalidArgument("\(format.displayName) bit depth must be 8 or 16, not \(depth)")
            }
        case .jpeg(let quality):
            guard (1...100).contains(quality) else {
                throw ImageError.invalidArgument("JPEG quality must be between 1 and 100, not \(quality)")
            }
        }
    }
}

/// Safety limits applied while decoding, checked against the header before any pixel memory is
/// allocated (a tiny file can declare a gigantic image: a "decompression bomb").
public struct DecodeLimits: Equatable, Sendable {
    /// Largest accepted `width × height`.
    public var maxPixels: Int

    public init(maxPixels: Int = 100_000_000) {
        self.maxPixels = maxPixels
    }

    /// 100 megapixels.
    public static let `default` = DecodeLimits()

    /// Throws unless the declared size is non-zero and within `maxPixels`.
    public func check(width: Int, height: Int, format: ImageFormat) throws {
        guard width > 0, height > 0 else { throw ImageError.zeroSize(format: format) }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw ImageError.tooLarge(format: format, width: width, height: height, maxPixels: maxPixels)
        }
    }

    // MARK: - Memory budget of the decoders

    /// Bytes per allowed pixel that any one decoder buffer may take: 16 = four 32-bit samples, more
    /// than any layout read here needs per pixel (16-bit RGBA: 8; a progressive CMYK JPEG's
    /// coefficients: 8).
    public static let maxBufferBytesPerPixel = 16
    /// Buffers up to this size are always allowed, whatever `maxPixels` is (a tiny image stored in
    /// the ordinary 256×256 or 512×512 tiles must still open).
    public static let minimumBufferBytes = 16_000_000

    /// The largest single buffer a decoder may allocate for one image: `maxBufferBytesPerPixel`
    /// bytes per allowed pixel (1.6 GB at the default 100 megapixels), at least `minimumBufferBytes`.
    public var maxBufferBytes: Int {
        let (bytes, overflow) = Swift.max(maxPixels, 0).multipliedReportingOverflow(by: Self.maxBufferBytesPerPixel)
        return Swift.max(Self.minimumBufferBytes, overflow ? Int.max : bytes)
    }

    /// Throws `ImageError.unsupported` unless a buffer of `bytes` (nil: the size computation
    /// overflowed) fits in `maxBufferBytes`, and in `allowed` when given (a tighter cap, explained
    /// by `because`). `what` names the buffer in the one-line message ("one 65536×65536 tile").
    public func checkBuffer(_ bytes: Int?, what: String, format: ImageFormat,
                            allowed: Int? = nil, because: String? = nil) throws {
        let cap = Swift.min(maxBufferBytes, allowed ?? Int.max)
        guard let bytes, bytes >= 0, bytes <= cap else {
            let size = bytes.map { DecodeLimits.describeBytes($0) } ?? "more than \(DecodeLimits.describeBytes(Int.max))"
            let reason = cap < maxBufferBytes ? (because.map { " \($0)" } ?? "")
                : " for images of up to \(maxPixels) pixels"
            throw ImageError.unsupported(
                format: format,
                detail: "\(what) needs \(size) of memory, more than the \(DecodeLimits.describeBytes(cap)) allowed\(reason)")
        }
    }

    /// The product of non-negative sizes, or nil when it overflows `Int` (or a factor is negative).
    public static func product(_ factors: Int...) -> Int? {
        var result = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = result.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            result = p
        }
        return result
    }

    /// "1.5 GB", "64 MB", "512 bytes" (decimal units).
    static func describeBytes(_ bytes: Int) -> String {
        if bytes >= 1_000_000_000 { return String(format: "%.1f GB", Double(bytes) / 1e9) }
        if bytes >= 1_000_000 { return String(format: "%.0f MB", Double(bytes) / 1e6) }
        if bytes >= 1_000 { return String(format: "%.0f kB", Double(bytes) / 1e3) }
        return "\(bytes) bytes"
    }
}

/// How the samples were stored in the source file.
public enum SourceLayout: String, Equatable, Sendable {
    case gray
    case grayAlpha
    case rgb
    case rgba
    /// Indexed colour (PNG palette, TIFF palette), possibly with transparency.
    case palette
    /// CMYK (Adobe-style JPEG or separated TIFF), converted to RGB.
    case cmyk
    /// Anything else libtiff can render (YCbCr, CIE Lab TIFF, ...), converted to RGB.
    case other

    /// Samples per stored pixel (1 for palette indices).
    public var channelCount: Int {
        switch self {
        case .gray, .palette: return 1
        case .grayAlpha: return 2
        case .rgb, .other: return 3
        case .rgba, .cmyk: return 4
        }
    }
}

/// The result of decoding an image file.
///
/// `image` is ready to use: 1 channel for gray sources, 3 for everything else, sRGB-encoded samples
/// in [0, 1], the EXIF / TIFF orientation already applied (so width and height are as displayed),
/// and any alpha channel composited over white (transparent areas of an old scan become paper white,
/// which is what a viewer shows and what a colorizer wants to see).
public struct DecodedImage: Sendable {
    public var image: PlanarImage
    public var format: ImageFormat
    /// Layout of the stored samples (gray, RGB, palette, with or without alpha, ...).
    public var sourceLayout: SourceLayout
    /// Precision of the decoded samples: 8 or 16 bits (1/2/4-bit sources are reported as 8).
    public var bitDepth: Int
    /// The orientation (EXIF / TIFF convention, 1...8) that was applied; 1 means none.
    public var orientation: Int

    public init(image: PlanarImage, format: ImageFormat, sourceLayout: SourceLayout, bitDepth: Int, orientation: Int = 1) {
        self.image = image
        self.format = format
        self.sourceLayout = sourceLayout
        self.bitDepth = bitDepth
        self.orientation = orientation
    }
}

import FindColor
import FindColorImage
import Foundation

/// Decoding of uploaded images (photos, reference photos, region masks) with the server's limits,
/// turning every failure into an `APIError` that names the upload.
enum ImageInputs {
    /// Formats that are recognisable but not supported, for a clearer 415 message.
    private static let knownUnsupported: [(name: String, matches: (Data) -> Bool)] = [
        ("GIF", { $0.starts(with: Array("GIF8".utf8)) }),
        ("WebP", { $0.count >= 12 && $0.prefix(4).elementsEqual(Array("RIFF".utf8)) && $0.dropFirst(8).prefix(4).elementsEqual(Array("WEBP".utf8)) }),
        ("BMP", { $0.starts(with: Array("BM".utf8)) && $0.count > 14 }),
        ("HEIC/AVIF", { $0.count >= 12 && $0.dropFirst(4).prefix(4).elementsEqual(Array("ftyp".utf8)) }),
        ("PDF", { $0.starts(with: Array("%PDF".utf8)) }),
    ]

    /// Decodes an uploaded image; `role` names it in error messages ("image", "reference photo", ...).
    static func decode(_ data: Data, role: String, maxPixels: Int) throws -> DecodedImage {
        try decoding(data, role: role, maxPixels: maxPixels) { try ImageCodec.decode(data, limits: $0) }
    }

    /// L* of an uploaded image (`ImageCodec.decodeLightness`: a colour JPEG's L* without its float
    /// RGB planes), with `decode`'s checks and errors.
    static func decodeLightness(_ data: Data, role: String, maxPixels: Int) throws -> LightnessImage {
        try decoding(data, role: role, maxPixels: maxPixels) { try ImageCodec.decodeLightness(data, limits: $0) }
    }

    /// `decode`'s checks around a decoder: known unsupported formats named (415), decoding errors
    /// as API errors about `role`.
    private static func decoding<T>(_ data: Data, role: String, maxPixels: Int, _ body: (DecodeLimits) throws -> T) throws -> T {
        if ImageFormat(detecting: data) == nil, !data.isEmpty {
            if let match = knownUnsupported.first(where: { $0.matches(data) }) {
                throw APIError.unsupportedMediaType("the \(role) is a \(match.name) file; upload a JPEG, PNG or TIFF image")
            }
        }
        do {
            return try body(DecodeLimits(maxPixels: maxPixels))
        } catch let error as ImageError {
            throw APIError.image(error, role: role)
        }
    }

    /// Decodes a region mask and checks that it has the photo's size. The result is a 1-channel
    /// image in [0, 1] (white = inside the region), by `ColorizeRequest.regionMask(from:)`.
    static func decodeMask(_ data: Data, width: Int, height: Int, maxPixels: Int) throws -> PlanarImage {
        let decoded = try decode(data, role: "region mask", maxPixels: maxPixels).image
        guard decoded.width == width, decoded.height == height else {
            throw APIError.unprocessable(
                "the region mask is \(decoded.width)×\(decoded.height) but the photo is \(width)×\(height); "
                    + "the mask must have exactly the photo's size")
        }
        return ColorizeRequest.regionMask(from: decoded)
    }

    /// Encodes `image` (1 or 3 channels, sRGB in [0, 1]) as 8-bit PNG or JPEG. Renders (previews
    /// and results, `fast`) asked for as PNG are written for speed (`ImageCodec.encodeFastPNG`: the
    /// same pixels, the file a few per cent larger); files the server keeps use libpng's default
    /// compression. JPEG is 4:4:4 at quality 90 (the web UI's previews).
    /// Both formats are 8-bit, so this is the same file as from the quantised samples.
    static func encode(_ image: PlanarImage, as format: ImageOutput, fast: Bool = false) throws -> Data {
        try encode(InterleavedImage8(image), as: format, fast: fast)
    }

    /// The same file from 8-bit samples (the full-resolution renders: `colorizeFull8`).
    static func encode(_ image: InterleavedImage8, as format: ImageOutput, fast: Bool = false) throws -> Data {
        do {
            if fast && format == .png { return try ImageCodec.encodeFastPNG(image) }
            return try ImageCodec.encode(image, as: format.outputFormat)
        } catch let error as ImageError {
            throw APIError.internalError("could not encode the result: \(error.description)")
        }
    }
}

/// The image formats the API returns: the PNG and JPEG subset of `OutputFormat`, with the API's
/// encoding settings (file extension and MIME type come from `ImageFormat`).
enum ImageOutput: String, Sendable, CaseIterable {
    case png
    case jpeg

    /// Parses a `format` parameter: png (the default when nil or empty), jpeg or jpg.
    init(parameter: String?) throws {
        switch parameter?.lowercased().trimmingCharacters(in: .whitespaces) {
        case nil, "", "png": self = .png
        case "jpeg", "jpg": self = .jpeg
        case let other?:
            throw APIError.badRequest("format must be png or jpeg, not \"\(other)\"")
        }
    }

    var outputFormat: OutputFormat {
        switch self {
        case .png: return .png(bitDepth: 8)
        case .jpeg: return .jpeg(quality: 90)
        }
    }

    /// Throws 422 when a `width × height` result cannot be written in this format (JPEG: 65500
    /// pixels per side); called before the work, not after it.
    func checkCanEncode(width: Int, height: Int) throws {
        do {
            try outputFormat.checkCanEncode(width: width, height: height)
        } catch let error as ImageError {
            throw APIError.unprocessable("\(error.description); ask for format=png")
        }
    }

    var mimeType: String { outputFormat.format.mimeType }

    var fileExtension: String { outputFormat.format.fileExtension }
}

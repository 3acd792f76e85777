import Foundation

/// The entry point for reading and writing image files.
///
///     let decoded = try ImageCodec.read(url: input)            // JPEG, PNG or TIFF
///     let gray = decoded.image                                   // 1 or 3 channels, sRGB in [0, 1]
///     ...
///     try ImageCodec.write(result, to: output)                   // format from the extension
///
/// Bad input of any kind (empty, truncated, corrupt, unsupported, too large) throws an `ImageError`
/// with a one-line message; nothing here crashes or exits on untrusted data.
public enum ImageCodec {
    /// Decodes a JPEG, PNG or TIFF image (format detected from its first bytes).
    ///
    /// The header is checked against `limits` before any pixel memory is allocated.
    /// See `DecodedImage` for what the returned pixels look like.
    public static func decode(_ data: Data, limits: DecodeLimits = .default) throws -> DecodedImage {
        let format = try ImageFormat.detect(data)
        switch format {
        case .jpeg: return try JPEGCodec.decode(data, limits: limits)
        case .png: return try PNGCodec.decode(data, limits: limits)
        case .tiff: return try TIFFCodec.decode(data, limits: limits)
        }
    }

    /// Encodes a 1-channel (gray) or 3-channel (RGB) sRGB image with samples in [0, 1] (values
    /// outside are clamped, NaN becomes 0).
    public static func encode(_ image: PlanarImage, as format: OutputFormat) throws -> Data {
        try format.validate()
        switch format {
        case .png(let depth): return try PNGCodec.encode(image, bitDepth: depth)
        case .jpeg(let quality): return try JPEGCodec.encode(image, quality: quality)
        case .tiff(let depth): return try TIFFCodec.encode(image, bitDepth: depth)
        }
    }

    /// Reads and decodes an image file.
    public static func read(url: URL, limits: DecodeLimits = .default) throws -> DecodedImage {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ImageError.io(path: url.path, detail: describe(error))
        }
        return try decode(data, limits: limits)
    }

    /// Encodes `image` and writes it to `url` atomically: the bytes go to a temporary file in the
    /// same directory, which is then renamed over the destination, so readers never see a partial
    /// file. Without `format`, the format is chosen from the file extension (see
    /// `OutputFormat.init(fileExtension:)`).
    public static func write(_ image: PlanarImage, to url: URL, format: OutputFormat? = nil) throws {
        guard let format = format ?? OutputFormat(fileExtension: url.pathExtension) else {
            throw ImageError.invalidArgument(
                "\(url.path): cannot tell the image format from the extension \"\(url.pathExtension)\"; use .jpg, .png or .tif")
        }
        let data = try encode(image, as: format)
        try writeAtomically(data, to: url)
    }

    /// Writes `data` to a temporary file next to `url`, then renames it to `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            throw ImageError.io(path: url.path, detail: describe(error))
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ImageError.io(path: url.path, detail: "could not move the new file into place: \(reason)")
        }
    }

    /// A short reason for a Foundation file error ("No such file or directory", ...).
    private static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }
}

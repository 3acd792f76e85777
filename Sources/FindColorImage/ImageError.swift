import Foundation

/// Everything that can go wrong while reading, decoding or encoding an image.
///
/// Every case renders as a single human-readable line (`description`), suitable for a CLI error
/// message or an HTTP 4xx body. Decoders never crash or exit on bad input: they throw one of these.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The input had no bytes at all.
    case empty
    /// The first bytes match none of the supported formats.
    case unrecognizedFormat
    /// The header declares a width or height of zero.
    case zeroSize(format: ImageFormat)
    /// The header declares more pixels than `DecodeLimits.maxPixels` allows (decompression-bomb guard).
    case tooLarge(format: ImageFormat, width: Int, height: Int, maxPixels: Int)
    /// The data is damaged or truncated; `detail` is the codec's own explanation.
    case corrupt(format: ImageFormat, detail: String)
    /// The data is valid but uses a feature this module does not handle (e.g. 32-bit float TIFF).
    case unsupported(format: ImageFormat, detail: String)
    /// The encoder refused the image (should not happen for valid input; carries the codec's message).
    case encodingFailed(format: ImageFormat, detail: String)
    /// The in-memory image cannot be encoded as requested (wrong channel count, bad parameter).
    case invalidArgument(String)
    /// A file could not be read or written.
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .empty:
            return "the image data is empty (0 bytes)"
        case .unrecognizedFormat:
            return "not a JPEG, PNG or TIFF image"
        case .zeroSize(let format):
            return "the \(format.displayName) image has a width or height of zero"
        case .tooLarge(let format, let width, let height, let maxPixels):
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            let count = overflow ? "more than \(Int.max)" : "\(pixels)"
            return "the \(format.displayName) image is \(width)×\(height) = \(count) pixels, "
                + "more than the limit of \(maxPixels) pixels"
        case .corrupt(let format, let detail):
            return "corrupt or truncated \(format.displayName) image: \(ImageError.oneLine(detail))"
        case .unsupported(let format, let detail):
            return "unsupported \(format.displayName) image: \(ImageError.oneLine(detail))"
        case .encodingFailed(let format, let detail):
            return "could not encode the image as \(format.displayName): \(ImageError.oneLine(detail))"
        case .invalidArgument(let detail):
            return ImageError.oneLine(detail)
        case .io(let path, let detail):
            return "\(path): \(ImageError.oneLine(detail))"
        }
    }

    public var errorDescription: String? { description }

    /// A short reason for a Foundation file error ("No such file or directory", ...).
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// Collapses library messages (which sometimes end in a newline) to one trimmed line.
    static func oneLine(_ text: String) -> String {
        let joined = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
        return joined.isEmpty ? "unknown error" : joined
    }
}

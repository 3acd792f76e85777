import Foundation

/// Resource limits of the HTTP server: how much a client may upload, how large an image may be,
/// and how many colorizations may wait for the (single) inference worker.
public struct ServerLimits: Sendable, Equatable {
    /// Largest accepted request body, in bytes (uploads of photos, references and masks).
    public var maxUploadBytes: Int
    /// Largest accepted image, in pixels (`width × height`); checked against the file header
    /// before any pixel memory is allocated.
    public var maxPixels: Int
    /// How many requests may wait while one inference runs. When that many are waiting, further
    /// requests are answered `503 Service Unavailable` with a `Retry-After` header.
    public var maxWaitingJobs: Int
    /// Short side, in pixels, of the fast previews (`GET /api/projects/{id}/preview`).
    public var previewShortSide: Int
    /// Default number of colours returned by `GET /api/projects/{id}/suggest`.
    public var suggestionCount: Int
    /// Budget, in Float samples, of the in-memory cache of decoded photos (the last photos worked on
    /// are kept decoded so that interactive previews do not decode the file every time).
    public var imageCacheSamples: Int
    /// How many rendered previews/results are kept on disk per project (older ones are deleted).
    public var cachedRendersPerProject: Int

    public init(
        maxUploadBytes: Int = 64 * 1024 * 1024,
        maxPixels: Int = 100_000_000,
        maxWaitingJobs: Int = 4,
        previewShortSide: Int = 256,
        suggestionCount: Int = 8,
        imageCacheSamples: Int = 150_000_000,
        cachedRendersPerProject: Int = 12
    ) {
        self.maxUploadBytes = maxUploadBytes
        self.maxPixels = maxPixels
        self.maxWaitingJobs = maxWaitingJobs
        self.previewShortSide = previewShortSide
        self.suggestionCount = suggestionCount
        self.imageCacheSamples = imageCacheSamples
        self.cachedRendersPerProject = cachedRendersPerProject
    }

    /// 64 MiB uploads, 100 megapixels, 4 waiting jobs, 320-pixel previews.
    public static let `default` = ServerLimits()

    /// A human-readable size such as "64 MB".
    static func describeBytes(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MB" }
        if bytes >= 1024 * 1024 { return String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        if bytes >= 1024 { return "\(bytes / 1024) KB" }
        return "\(bytes) bytes"
    }
}

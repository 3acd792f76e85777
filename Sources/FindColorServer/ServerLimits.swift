import Foundation

/// Resource limits of the HTTP server: how much a client may upload, how large an image may be,
/// how many colorizations may wait for the (single) inference worker, how long a client may take to
/// send a request, how many connections may be open, and how much memory admitted work may use.
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
    /// are kept decoded, with their L* at full and preview size, so that interactive previews do not
    /// decode and convert the file every time: `RenderPhoto`). Lowered to an eighth of
    /// `memoryBudgetBytes` when that is smaller.
    public var imageCacheSamples: Int
    /// How many rendered previews/results are kept on disk per project (older ones are deleted).
    public var cachedRendersPerProject: Int

    // MARK: Connections

    /// Most connections open at once. At the cap, a new connection replaces the connection that has
    /// been idle (no request in progress) the longest; when every connection has a request in
    /// progress, the new one is answered `503` with `Retry-After` and closed.
    public var maxConnections: Int
    /// Longest time a client may take to send a request's head (request line and headers), from its
    /// first byte. Then the server answers `408` and closes the connection.
    public var headerTimeout: Duration
    /// Longest time a client may take to send a request's body, from the end of its head. Then the
    /// server closes the connection.
    public var requestBodyTimeout: Duration
    /// A kept-alive connection with no request in progress is closed after this long.
    public var idleTimeout: Duration
    /// Length of the kernel's queue of connections not yet accepted (`listen` backlog).
    public var listenBacklog: Int

    // MARK: Memory

    /// Memory, in bytes, that the server's work may use at once: request bodies being received or
    /// held, the decoded-image cache, the model, and the estimated working memory of every admitted
    /// job (see `MemoryCost`). Work that would exceed it waits for nothing: it is answered `503`
    /// with `Retry-After`, or `413` when it alone is larger than the budget.
    public var memoryBudgetBytes: Int

    public init(
        maxUploadBytes: Int = 64 * 1024 * 1024,
        maxPixels: Int = 100_000_000,
        maxWaitingJobs: Int = 4,
        previewShortSide: Int = 256,
        suggestionCount: Int = 8,
        imageCacheSamples: Int = 150_000_000,
        cachedRendersPerProject: Int = 12,
        maxConnections: Int = 4096,
        headerTimeout: Duration = .seconds(10),
        requestBodyTimeout: Duration = .seconds(120),
        idleTimeout: Duration = .seconds(30),
        listenBacklog: Int = 4096,
        memoryBudgetBytes: Int = ServerLimits.defaultMemoryBudget()
    ) {
        self.maxUploadBytes = maxUploadBytes
        self.maxPixels = maxPixels
        self.maxWaitingJobs = maxWaitingJobs
        self.previewShortSide = previewShortSide
        self.suggestionCount = suggestionCount
        self.imageCacheSamples = imageCacheSamples
        self.cachedRendersPerProject = cachedRendersPerProject
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.requestBodyTimeout = requestBodyTimeout
        self.idleTimeout = idleTimeout
        self.listenBacklog = listenBacklog
        self.memoryBudgetBytes = memoryBudgetBytes
    }

    /// 64 MiB uploads, 100 megapixels, 4 waiting jobs, 256-pixel previews, 4096 connections,
    /// 10 s for a request head, 120 s for a body, 30 s idle, half the machine's memory.
    public static let `default` = ServerLimits()

    /// Half of the machine's physical memory, or of the container's memory limit (cgroup v2
    /// `memory.max`, or v1 `memory.limit_in_bytes`) when that is lower.
    public static func defaultMemoryBudget() -> Int {
        var total = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                total = min(total, limit)
            }
        }
        return max(total / 2, 512 * 1024 * 1024)
    }

    /// The smallest accepted `memoryBudgetBytes`: the model and the server's own structures.
    public static let minimumMemoryBudget = 256 * 1024 * 1024

    /// Checks that the limits make sense; the message names the limit.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw LimitsError(message: message) }
        }
        try check(maxUploadBytes > 0, "the upload limit must be positive")
        try check(maxPixels > 0, "the pixel limit must be positive")
        try check(maxWaitingJobs >= 0, "the number of waiting jobs must not be negative")
        try check(maxConnections >= 1, "the connection limit must be at least 1")
        try check(headerTimeout > .zero, "the header timeout must be positive")
        try check(requestBodyTimeout > .zero, "the request body timeout must be positive")
        try check(idleTimeout > .zero, "the idle timeout must be positive")
        try check(listenBacklog >= 1, "the listen backlog must be at least 1")
        try check(memoryBudgetBytes >= Self.minimumMemoryBudget,
                  "the memory budget must be at least \(Self.describeBytes(Self.minimumMemoryBudget))")
    }

    /// A limit that makes no sense (e.g. a zero timeout).
    public struct LimitsError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// A human-readable size such as "64 MB" or "1.5 GB".
    static func describeBytes(_ bytes: Int) -> String {
        let gib = 1024 * 1024 * 1024
        if bytes >= gib && bytes % gib == 0 { return "\(bytes / gib) GB" }
        if bytes >= gib { return String(format: "%.1f GB", Double(bytes) / Double(gib)) }
        if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MB" }
        if bytes >= 1024 * 1024 { return String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        if bytes >= 1024 { return "\(bytes / 1024) KB" }
        return "\(bytes) bytes"
    }

    /// Parses a size such as `8G`, `512M`, `1.5GB`, `4096MiB` or a plain number of bytes.
    public static func parseBytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        let units: [(String, Double)] = [
            ("gib", 1_073_741_824), ("gb", 1_073_741_824), ("g", 1_073_741_824),
            ("mib", 1_048_576), ("mb", 1_048_576), ("m", 1_048_576),
            ("kib", 1024), ("kb", 1024), ("k", 1024),
            ("b", 1),
        ]
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else { return nil }
        let bytes = value * scale
        guard bytes < Double(Int.max / 2) else { return nil }
        return Int(bytes)
    }
}

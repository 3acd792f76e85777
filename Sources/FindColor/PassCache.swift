import Foundation
import FindColorImage

/// The most recent network passes, kept so that an identical pass is not run twice. In the web
/// app a hint change asks for the preview and then for the full-resolution result: both run the
/// image-wise pass at the working size over the same L* and hint planes (`Colorizer.previewLightness`
/// is the image-wise pass's input), so the full render takes that pass from here and runs only
/// what the preview does not (the mirrored pass, detail windows, the finish).
///
/// An entry is found only when the pass's inputs are bit for bit the same (L*, the hint planes,
/// vividness; an entry with the confidence plane also serves a pass without it), so a hit returns
/// exactly what running the network would: the cache changes no pixel. Passes are kept while
/// they fit in three quarters of `maxBytes` (inputs and output together), the oldest evicted
/// first; the last quarter is for the photo parts of the last L* (`parts(of:)`), which do not
/// depend on the hints at all.
///
/// For a model whose encoder does not see the hints (`FindColorNetwork.encoderSeesHints` false),
/// it also keeps the encodings of the most recent L* planes (up to `encodingBytes`): a pass whose
/// hints changed then runs only the decoder, with the same result as running the whole network.
public final class PassCache: @unchecked Sendable {
    private struct Entry {
        let L: PlanarImage
        let raster: PlanarImage
        let vividness: Float
        /// [a, b] or [a, b, confidence].
        let output: PlanarImage
        var bytes: Int { (L.data.count + raster.data.count + output.data.count) * MemoryLayout<Float>.stride }
    }

    public let maxBytes: Int
    /// The most the encodings hold (the oldest evicted first).
    public let encodingBytes: Int
    private let lock = NSLock()
    private var encodings: [(L: PlanarImage, encoding: FindColorNetwork.Encoding)] = []  // oldest first
    /// Encodings found (`encoding(of:make:)`).
    private(set) public var encodingHits = 0
    private var entries: [Entry] = []  // oldest first
    /// The photo parts (`ScanParts.parts(of:)`) of the last L* planes asked about (the preview's
    /// and the full render's), while they hold at most a quarter of `maxBytes`: parts depend on the
    /// photo only, and at 1 MP the seam search costs about as much as the guided upsampling.
    private var lastParts: [(L: PlanarImage, parts: [ScanParts.Rect])] = []  // oldest first
    /// Passes found and not found.
    private(set) public var hits = 0
    private(set) public var misses = 0
    /// Photo parts found (`parts(of:)`).
    private(set) public var partsHits = 0

    /// `maxBytes`: the most the passes and photo parts hold (a pass larger than three quarters of
    /// it is not kept); `encodingBytes`: the most the encodings hold.
    public init(maxBytes: Int = 32 << 20, encodingBytes: Int = 32 << 20) {
        self.maxBytes = maxBytes
        self.encodingBytes = encodingBytes
    }

    /// The encoding of the network input made from `L`, kept from an earlier pass over the same L*
    /// (bit for bit), else `make()`'s, kept while it fits. `make` runs outside the lock.
    func encoding(of L: PlanarImage, make: () -> FindColorNetwork.Encoding?) -> FindColorNetwork.Encoding? {
        lock.lock()
        if let i = encodings.lastIndex(where: { Self.same($0.L, L) }) {
            encodingHits += 1
            let kept = encodings.remove(at: i)
            encodings.append(kept)
            lock.unlock()
            return kept.encoding
        }
        lock.unlock()
        guard let made = make() else { return nil }
        let bytes = { (e: (L: PlanarImage, encoding: FindColorNetwork.Encoding)) in
            e.L.data.count * MemoryLayout<Float>.stride + e.encoding.byteCount
        }
        let entry = (L: L, encoding: made)
        guard bytes(entry) <= encodingBytes else { return made }
        lock.lock()
        encodings.append(entry)
        var total = encodings.reduce(0) { $0 + bytes($1) }
        while total > encodingBytes, let oldest = encodings.first {
            total -= bytes(oldest)
            encodings.removeFirst()
        }
        lock.unlock()
        return made
    }

    /// The output of a pass over `L` with `raster` (2 planes, or 3 with `confidence`), if kept.
    func output(L: PlanarImage, raster: PlanarImage, vividness: Float, confidence: Bool) -> PlanarImage? {
        lock.lock()
        defer { lock.unlock() }
        for (i, e) in entries.enumerated().reversed()
        where e.vividness == vividness && (!confidence || e.output.channels == 3)
            && Self.same(e.L, L) && Self.same(e.raster, raster) {
            hits += 1
            let entry = entries.remove(at: i)
            entries.append(entry)  // the most recently used is evicted last
            return confidence || entry.output.channels == 2 ? entry.output
                : PlanarImage(width: entry.output.width, height: entry.output.height, channels: 2,
                              data: Array(entry.output.data[0..<2 * entry.output.planeSize]))
        }
        misses += 1
        return nil
    }

    /// Keeps the output of a pass (see `output(L:raster:vividness:confidence:)`).
    func store(L: PlanarImage, raster: PlanarImage, vividness: Float, output: PlanarImage) {
        let entry = Entry(L: L, raster: raster, vividness: vividness, output: output)
        let room = maxBytes - maxBytes / 4  // the rest is the parts' L*
        guard entry.bytes <= room else { return }
        lock.lock()
        defer { lock.unlock() }
        entries.append(entry)
        var total = entries.reduce(0) { $0 + $1.bytes }
        while total > room, let oldest = entries.first {
            total -= oldest.bytes
            entries.removeFirst()
        }
    }

    /// `ScanParts.parts(of: L)`, computed once for the same L*.
    func parts(of L: PlanarImage) -> [ScanParts.Rect] {
        lock.lock()
        if let kept = lastParts.first(where: { Self.same($0.L, L) }) {
            partsHits += 1
            lock.unlock()
            return kept.parts
        }
        lock.unlock()
        let parts = ScanParts.parts(of: L)
        let room = maxBytes / 4, bytes = { (L: PlanarImage) in L.data.count * MemoryLayout<Float>.stride }
        if bytes(L) <= room {
            lock.lock()
            lastParts.append((L, parts))
            while lastParts.reduce(0, { $0 + bytes($1.L) }) > room { lastParts.removeFirst() }
            lock.unlock()
        }
        return parts
    }

    /// Drops every entry (e.g. to free the memory).
    public func removeAll() {
        lock.lock()
        entries.removeAll()
        lastParts.removeAll()
        encodings.removeAll()
        lock.unlock()
    }

    /// Same size and the same bits in every sample (the same storage, which the cache's own
    /// reference keeps from changing, is found without reading it).
    private static func same(_ x: PlanarImage, _ y: PlanarImage) -> Bool {
        guard x.width == y.width, x.height == y.height, x.channels == y.channels else { return false }
        guard !x.data.isEmpty else { return true }
        return x.data.withUnsafeBytes { a in
            y.data.withUnsafeBytes { b in a.baseAddress == b.baseAddress || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }
}

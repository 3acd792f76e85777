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
    private var encodings: RecentItems<(L: PlanarImage, encoding: FindColorNetwork.Encoding)>
    /// Encodings found (`encoding(of:make:)`).
    private(set) public var encodingHits = 0
    private var entries: RecentItems<Entry>
    /// The photo parts (`ScanParts.parts(of:)`) of the last L* planes asked about (the preview's
    /// and the full render's), while they hold at most a quarter of `maxBytes`: parts depend on the
    /// photo only, and at 1 MP the seam search costs about as much as the guided upsampling.
    private var lastParts: RecentItems<(L: PlanarImage, parts: [ScanParts.Rect])>
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
        let floats = MemoryLayout<Float>.stride
        encodings = RecentItems(capacity: encodingBytes) { $0.L.data.count * floats + $0.encoding.byteCount }
        entries = RecentItems(capacity: maxBytes - maxBytes / 4) { $0.bytes }  // the rest is the parts' L*
        lastParts = RecentItems(capacity: maxBytes / 4) { $0.L.data.count * floats }
    }

    /// The encoding of the network input made from `L`, kept from an earlier pass over the same L*
    /// (bit for bit), else `make()`'s, kept while it fits. `make` runs outside the lock.
    func encoding(of L: PlanarImage, make: () -> FindColorNetwork.Encoding?) -> FindColorNetwork.Encoding? {
        lock.lock()
        if let kept = encodings.use(where: { Self.same($0.L, L) }) {
            encodingHits += 1
            lock.unlock()
            return kept.encoding
        }
        lock.unlock()
        guard let made = make() else { return nil }
        lock.lock()
        encodings.add((L: L, encoding: made))
        lock.unlock()
        return made
    }

    /// The output of a pass over `L` with `raster` (2 planes, or 3 with `confidence`), if kept.
    func output(L: PlanarImage, raster: PlanarImage, vividness: Float, confidence: Bool) -> PlanarImage? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries.use(where: { e in
            e.vividness == vividness && (!confidence || e.output.channels == 3) && Self.same(e.L, L) && Self.same(e.raster, raster)
        }) else {
            misses += 1
            return nil
        }
        hits += 1
        return confidence || entry.output.channels == 2 ? entry.output
            : PlanarImage(width: entry.output.width, height: entry.output.height, channels: 2,
                          data: Array(entry.output.data[0..<2 * entry.output.planeSize]))
    }

    /// Keeps the output of a pass (see `output(L:raster:vividness:confidence:)`).
    func store(L: PlanarImage, raster: PlanarImage, vividness: Float, output: PlanarImage) {
        lock.lock()
        entries.add(Entry(L: L, raster: raster, vividness: vividness, output: output))
        lock.unlock()
    }

    /// `ScanParts.parts(of: L)`, computed once for the same L*.
    func parts(of L: PlanarImage) -> [ScanParts.Rect] {
        lock.lock()
        if let kept = lastParts.use(where: { Self.same($0.L, L) }) {
            partsHits += 1
            lock.unlock()
            return kept.parts
        }
        lock.unlock()
        let parts = ScanParts.parts(of: L)
        lock.lock()
        lastParts.add((L: L, parts: parts))
        lock.unlock()
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

/// Items oldest first that hold at most `capacity` bytes together (each item's size from `bytes`):
/// adding one evicts the oldest until the rest fit, and an item found is made the most recent, so
/// the least recently used goes first. An item larger than the capacity is not kept.
struct RecentItems<Item> {
    let capacity: Int
    let bytes: (Item) -> Int
    private(set) var items: [Item] = []
    private var total = 0

    init(capacity: Int, bytes: @escaping (Item) -> Int) {
        self.capacity = capacity
        self.bytes = bytes
    }

    mutating func add(_ item: Item) {
        let size = bytes(item)
        guard size <= capacity else { return }
        items.append(item)
        total += size
        while total > capacity { total -= bytes(items.removeFirst()) }
    }

    /// The most recent item that `match`es, made the most recent.
    mutating func use(where match: (Item) -> Bool) -> Item? {
        guard let i = items.lastIndex(where: match) else { return nil }
        let item = items.remove(at: i)
        items.append(item)
        return item
    }

    mutating func removeAll() {
        items.removeAll()
        total = 0
    }
}

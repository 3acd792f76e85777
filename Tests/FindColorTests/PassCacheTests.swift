import Foundation
import Testing
import FindColorImage
@testable import FindColor

/// `PassCache` hands back a pass only for bit-identical inputs and keeps within its bytes.
@Suite struct PassCacheTests {
    static func plane(_ w: Int, _ h: Int, _ c: Int, _ seed: Float) -> PlanarImage {
        PlanarImage(width: w, height: h, channels: c) { x, y, ch in seed + Float(x * 3 + y * 5 + ch) }
    }

    @Test func onlyTheSameInputsFindAPass() {
        let cache = PassCache()
        let L = Self.plane(20, 10, 1, 0), raster = Self.plane(20, 10, 3, 1), out = Self.plane(20, 10, 2, 2)
        cache.store(L: L, raster: raster, vividness: 0, output: out)
        #expect(cache.output(L: L, raster: raster, vividness: 0, confidence: false) == out)
        var L2 = L
        L2.data[57] = L.data[57].nextUp  // one sample, one ulp
        #expect(cache.output(L: L2, raster: raster, vividness: 0, confidence: false) == nil)
        var r2 = raster
        r2.data[3 * 200 - 1] = 1  // the last mask sample
        #expect(cache.output(L: L, raster: r2, vividness: 0, confidence: false) == nil)
        #expect(cache.output(L: L, raster: raster, vividness: 0.3, confidence: false) == nil)
        // A pass without confidence cannot serve one that needs it …
        #expect(cache.output(L: L, raster: raster, vividness: 0, confidence: true) == nil)
        // … but one with it serves both (its first two planes).
        let withConfidence = Self.plane(20, 10, 3, 4)
        cache.store(L: L, raster: raster, vividness: 0.5, output: withConfidence)
        #expect(cache.output(L: L, raster: raster, vividness: 0.5, confidence: true) == withConfidence)
        let ab = cache.output(L: L, raster: raster, vividness: 0.5, confidence: false)
        #expect(ab?.channels == 2 && ab?.data == Array(withConfidence.data[0..<400]))
        #expect(cache.hits == 3 && cache.misses == 4)
    }

    @Test func keepsWithinItsBytesOldestOut() {
        // One entry: (1 + 3 + 2) planes of 100 floats = 2400 bytes; room for two (passes get ¾ of the bytes).
        let cache = PassCache(maxBytes: 6500)
        let entries = (0..<3).map { i in
            (L: Self.plane(10, 10, 1, Float(10 * i)), raster: Self.plane(10, 10, 3, 0), out: Self.plane(10, 10, 2, Float(i)))
        }
        for e in entries { cache.store(L: e.L, raster: e.raster, vividness: 0, output: e.out) }
        #expect(cache.output(L: entries[0].L, raster: entries[0].raster, vividness: 0, confidence: false) == nil)
        #expect(cache.output(L: entries[1].L, raster: entries[1].raster, vividness: 0, confidence: false) == entries[1].out)
        #expect(cache.output(L: entries[2].L, raster: entries[2].raster, vividness: 0, confidence: false) == entries[2].out)
        // Larger than the whole cache: not kept.
        let big = Self.plane(40, 40, 1, 0)
        cache.store(L: big, raster: Self.plane(40, 40, 3, 0), vividness: 0, output: Self.plane(40, 40, 2, 0))
        #expect(cache.output(L: big, raster: Self.plane(40, 40, 3, 0), vividness: 0, confidence: false) == nil)
        #expect(cache.output(L: entries[2].L, raster: entries[2].raster, vividness: 0, confidence: false) == entries[2].out)
    }

    @Test func partsAreFoundOnceForTheSameLightness() {
        let cache = PassCache()
        // Two photos side by side, split by a bright bar: two parts.
        let L = PlanarImage(width: 300, height: 120, channels: 1) { x, y, _ in
            (145..<155).contains(x) ? 100 : Float(20 + (x * 7 + y * 3) % 40)
        }
        let expected = ScanParts.parts(of: L)
        #expect(expected.count >= 2)
        #expect(cache.parts(of: L) == expected)
        #expect(cache.partsHits == 0)
        var copy = PlanarImage(width: 300, height: 120, channels: 1, data: L.data.map { $0 })  // other storage, same bits
        #expect(cache.parts(of: copy) == expected)
        #expect(cache.partsHits == 1)
        copy.data[0] += 1
        #expect(cache.parts(of: copy) == ScanParts.parts(of: copy))
        #expect(cache.partsHits == 1)
        // The two most recent planes are kept (the preview's and the full render's).
        #expect(cache.parts(of: L) == expected)
        #expect(cache.partsHits == 2)
    }

    /// The caches' bounded lists: oldest evicted first, a found item made the most recent, an item
    /// larger than the capacity not kept.
    @Test func recentItemsEvictTheLeastRecentlyUsed() {
        var list = RecentItems<(name: String, size: Int)>(capacity: 10) { $0.size }
        list.add(("a", 4)); list.add(("b", 4))
        #expect(list.items.map(\.name) == ["a", "b"])
        #expect(list.use(where: { $0.name == "a" })?.name == "a")  // a is now the most recent
        list.add(("c", 4))  // 12 bytes: b, the least recently used, goes
        #expect(list.items.map(\.name) == ["a", "c"])
        list.add(("huge", 11))  // larger than the capacity: not kept, nothing evicted
        #expect(list.items.map(\.name) == ["a", "c"])
        list.add(("d", 10))  // fills it alone
        #expect(list.items.map(\.name) == ["d"])
        #expect(list.use(where: { $0.name == "a" }) == nil)
        list.removeAll()
        list.add(("e", 10))
        #expect(list.items.map(\.name) == ["e"])  // the total was reset
    }
}

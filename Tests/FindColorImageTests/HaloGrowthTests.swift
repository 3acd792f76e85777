import Foundation
import Testing
@testable import FindColorImage

/// `HaloGrowth`: a detected mask grows into the pixels next to it that stand out from the photo
/// around them (a defect's faint edge), not into pixels that match it (texture), and never beyond
/// its radius. Values are closed-form: a flat background, so the mean around a ring pixel is known.
@Suite struct HaloGrowthTests {
    /// L* 50 everywhere; a vertical scratch: core at x = 20 (L* 95, masked), halo at x = 19 and 21
    /// (L* 80: 30 above the background), faint edge at x = 22 (L* 60: 10 above it), and at x = 18
    /// a real dark line (L* 45: 5 below it).
    func scratch() -> (l: PlanarImage, mask: PlanarImage) {
        var l = PlanarImage(width: 40, height: 30, channels: 1, data: Array(repeating: 50, count: 1200))
        var mask = PlanarImage(width: 40, height: 30, channels: 1)
        for y in 0..<30 {
            l.data[y * 40 + 20] = 95
            mask.data[y * 40 + 20] = 1
            l.data[y * 40 + 19] = 80
            l.data[y * 40 + 21] = 80
            l.data[y * 40 + 22] = 60
            l.data[y * 40 + 18] = 45
        }
        return (l, mask)
    }

    @Test func growsIntoTheHaloOnly() throws {
        let (l, mask) = scratch()
        let grown = try HaloGrowth.grow(l, mask: mask, radius: 2, difference: 24)
        for y in 0..<30 {
            for x in 0..<40 {
                let want: Float = (19...21).contains(x) ? 1 : 0  // the halo (30 ≥ 24) joins; 10 and 5 do not
                #expect(grown.data[y * 40 + x] == want, "(\(x), \(y))")
            }
        }
        // A lower difference takes the faint edge too (10 ≥ 8), but not what lies beyond the radius.
        let wider = try HaloGrowth.grow(l, mask: mask, radius: 2, difference: 8)
        #expect((0..<30).allSatisfy { wider.data[$0 * 40 + 22] == 1 && wider.data[$0 * 40 + 18] == 0 })
        let one = try HaloGrowth.grow(l, mask: mask, radius: 1, difference: 8)
        #expect((0..<30).allSatisfy { one.data[$0 * 40 + 22] == 0 && one.data[$0 * 40 + 21] == 1 })
    }

    @Test func emptyMasksAndZeroRadiusChangeNothing() throws {
        let (l, mask) = scratch()
        let empty = PlanarImage(width: 40, height: 30, channels: 1)
        #expect(try HaloGrowth.grow(l, mask: empty, radius: 2, difference: 1).data == empty.data)
        #expect(try HaloGrowth.grow(l, mask: mask, radius: 0, difference: 1).data == mask.data)
    }

    @Test func badInputsAreErrors() {
        let (l, _) = scratch()
        #expect(throws: ImageError.self) {
            _ = try HaloGrowth.grow(l, mask: PlanarImage(width: 39, height: 30, channels: 1), radius: 2, difference: 24)
        }
    }
}

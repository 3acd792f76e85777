import Foundation
import Testing
import FindColorImage
@testable import FindColor

@Suite struct EnsembleBlending {
    /// Each window returns a different constant colour (the worst case of windows disagreeing):
    /// the feathered blend must change smoothly, with no step at any window border.
    @Test func noSeamsAtWindowBorders() {
        let W = 700, H = 500, window = 256, stride = 200
        let L = PlanarImage(width: W, height: H, channels: 1, repeating: 50)
        let raster = PlanarImage(width: W, height: H, channels: 3)
        var calls = 0
        let ab = Ensemble.windows(L: L, raster: raster, window: window, stride: stride) { Lw, _ in
            calls += 1
            let v = Float(calls % 2 == 0 ? 40 : -40)
            return PlanarImage(width: Lw.width, height: Lw.height, channels: 2, repeating: v)
        }
        #expect(calls == Ensemble.starts(length: W, window: window, stride: stride).count * Ensemble.starts(length: H, window: window, stride: stride).count)
        // Largest step between neighbouring pixels vs the 80-unit jump a hard cut would show.
        var maxStep: Float = 0
        for y in 0..<H {
            for x in 1..<W { maxStep = max(maxStep, abs(ab[x, y, 0] - ab[x - 1, y, 0])) }
        }
        for y in 1..<H {
            for x in 0..<W { maxStep = max(maxStep, abs(ab[x, y, 0] - ab[x, y - 1, 0])) }
        }
        // A raised-cosine ramp over the 56-pixel overlap changes by at most 80·π/(2·56) ≈ 2.2 per pixel.
        #expect(maxStep < 3.0, "step \(maxStep)")
        #expect(ab.data.allSatisfy { $0 >= -40.001 && $0 <= 40.001 })
    }

    @Test func windowsCoverTheImage() {
        #expect(Ensemble.starts(length: 100, window: 128, stride: 64) == [0])
        #expect(Ensemble.starts(length: 700, window: 256, stride: 200) == [0, 200, 400, 444])
    }

    @Test func featheredMaskIsExactOutsideTheMargin() {
        var m = PlanarImage(width: 100, height: 40, channels: 1)
        for y in 0..<40 { for x in 0..<50 { m[x, y, 0] = 1 } }
        let f = Ensemble.featheredMask(m, radius: 4)
        for y in 0..<40 {
            for x in 59..<100 { #expect(f[x, y, 0] == 0) }   // beyond 2·radius outside: exactly 0
            for x in 0..<42 { #expect(f[x, y, 0] == 1) }   // beyond 2·radius inside (and at the image edge): 1
        }
    }
}

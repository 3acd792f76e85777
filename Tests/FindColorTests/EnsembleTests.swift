import Foundation
import Testing
import FindColorImage
import FindColorNN
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
            return PlanarImage(width: Lw.width, height: Lw.height, channels: 3, repeating: v)
        }
        #expect(calls == Ensemble.layout(length: W, window: window, stride: stride).starts.count * Ensemble.layout(length: H, window: window, stride: stride).starts.count)
        #expect(calls == 6)
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
        #expect(ab.channels == 3 && ab.data.allSatisfy { $0 >= -40.001 && $0 <= 40.001 })
    }

    /// Detail zooms follow the photo: none for small photos, 2× and 4× for large ones, the last
    /// capped at the photo's own resolution and dropped when it would barely zoom.
    @Test func zoomsFollowThePhotoSize() {
        // Up to the photo's own resolution (detailLimit 1).
        let full = EnsembleSpec(shortSide: 256, flip: true, maxZoom: 4, detailLimit: 1)
        #expect(full.zooms(photoShortSide: 256).isEmpty)
        #expect(full.zooms(photoShortSide: 375).isEmpty)  // 1.46× would add cost, not detail
        #expect(full.zooms(photoShortSide: 512) == [2])
        #expect(full.zooms(photoShortSide: 700) == [2])  // 2.73× is not 1.5× of 2×
        #expect(full.zooms(photoShortSide: 900) == [2, 900.0 / 256])
        #expect(full.zooms(photoShortSide: 3000) == [2, 4])
        // The presets: never finer than half the photo's resolution; balanced runs the finest zoom alone.
        let spec = EnsemblePreset.balanced.spec
        #expect(spec.zooms(photoShortSide: 512).isEmpty)
        #expect(spec.zooms(photoShortSide: 700).isEmpty)
        #expect(spec.zooms(photoShortSide: 900) == [0.5 * 900 / 256])
        #expect(spec.zooms(photoShortSide: 1024) == [2])
        #expect(spec.zooms(photoShortSide: 1500) == [2])
        #expect(spec.zooms(photoShortSide: 2048) == [4])
        #expect(spec.zooms(photoShortSide: 3000) == [4])
        #expect(EnsemblePreset.best.spec.zooms(photoShortSide: 3000) == [2, 4])
        var every = spec
        every.everyZoom = true
        #expect(every.zooms(photoShortSide: 3000) == [2, 4])
        #expect(EnsemblePreset.fast.spec.zooms(photoShortSide: 3000).isEmpty)
    }

    /// Fusion by confidence: a pass twice as sure weighs 4× (power 2); power 0 is the plain mean.
    @Test func fusionWeighsPassesByConfidence() {
        let sure = PlanarImage(width: 2, height: 1, channels: 3, repeating: 0)
        var a = sure, b = sure
        for i in 0..<2 { a.data[i] = 40; a.data[2 + i] = -10; a.data[4 + i] = 0.8 }  // ab (40, −10), confidence 0.8
        for i in 0..<2 { b.data[i] = -20; b.data[2 + i] = 30; b.data[4 + i] = 0.4 }  // ab (−20, 30), confidence 0.4
        let fused = Ensemble.fuse([a, b], width: 2, height: 1, power: 2)
        // weights 0.64 and 0.16: a = (0.64·40 + 0.16·(−20)) / 0.8 = 28, b = (0.64·(−10) + 0.16·30) / 0.8 = −2.
        #expect(abs(fused[0, 0, 0] - 28) < 1e-4 && abs(fused[0, 0, 1] + 2) < 1e-4)
        let plain = Ensemble.fuse([a, b], width: 2, height: 1, power: 0)
        #expect(abs(plain[1, 0, 0] - 10) < 1e-4 && abs(plain[1, 0, 1] - 10) < 1e-4)
        // A pass at a coarser grid is resized to the finest one first.
        var coarse = PlanarImage(width: 1, height: 1, channels: 3, repeating: 0)
        coarse.data = [-20, 30, 0.4]
        let mixed = Ensemble.fuse([a, coarse], width: 2, height: 1, power: 2)
        #expect(abs(mixed[1, 0, 0] - 28) < 1e-4)
    }

    /// The peak probability of a cell's distribution: 1/Q when flat, → 1 when one bin dominates.
    @Test func peakProbabilityMatchesClosedForm() {
        let logits = Tensor(shape: TensorShape(n: 1, h: 1, w: 2, c: 4), values: [0, 0, 0, 0, 5, 0, 0, 0])
        let p = Colorizer.peakProbability(logits)
        #expect(abs(p[0, 0, 0] - 0.25) < 1e-6)
        #expect(abs(p[1, 0, 0] - Float(exp(5.0) / (exp(5.0) + 3))) < 1e-6)
    }

    /// The 8-lane exponential of the confidence (`Colorizer.exp8`) against `exp` in double precision
    /// over the range a softmax uses (x ≤ 0), and the peak probability of a 313-bin distribution
    /// (the model's) against its closed form.
    @Test func vectorExponentialAndWideSoftmax() {
        var worst = 0.0
        for i in 0...20_000 {
            let x0 = -Float(i) * 0.0045  // 0 … −90
            let xs = SIMD8<Float>((0..<8).map { x0 - Float($0) * 0.00057 })
            let e = Colorizer.exp8(xs)
            for l in 0..<8 {
                let want = Foundation.exp(Double(xs[l]))
                if xs[l] < -87 { #expect(e[l] == 0); continue }
                worst = max(worst, abs(Double(e[l]) - want) / want)
            }
        }
        #expect(worst < 3e-7, "largest relative error \(worst)")
        var g = SplitMix64(seed: 4)
        let q = 313
        let values = (0..<3 * q).map { _ in Float.random(in: -6...6, using: &g) }
        let p = Colorizer.peakProbability(Tensor(shape: TensorShape(n: 1, h: 1, w: 3, c: q), values: values))
        for cell in 0..<3 {
            let z = values[cell * q..<(cell + 1) * q].map(Double.init)
            let m = z.max()!
            let want = 1 / z.reduce(0) { $0 + Foundation.exp($1 - m) }
            #expect(abs(Double(p[cell, 0, 0]) - want) <= 1e-6 * want)
        }
    }

    /// The fewest windows that cover each axis with at least `window − stride` pixels of overlap,
    /// spread evenly, `window` to `2·window − stride` pixels wide (rounded up to a multiple of 32).
    @Test func windowsCoverTheImage() {
        #expect(Ensemble.layout(length: 100, window: 128, stride: 64) == (100, [0]))
        #expect(Ensemble.layout(length: 180, window: 128, stride: 64) == (180, [0]))  // one window a bit larger
        #expect(Ensemble.layout(length: 700, window: 256, stride: 200) == (288, [0, 206, 412]))
        // The balanced preset's 4× pass on a 12 MP photo (1365×1024): 3 × 2 windows, not 3 × 3.
        #expect(Ensemble.layout(length: 1024, window: 512, stride: 448) == (544, [0, 480]))
        #expect(Ensemble.layout(length: 1365, window: 512, stride: 448) == (512, [0, 427, 853]))
        #expect(Ensemble.layout(length: 683, window: 512, stride: 448) == (512, [0, 171]))
        // Any length: windows cover it, overlap by at least window − stride (± 1 for rounding) and stay in it.
        for length in stride(from: 1, through: 3000, by: 7) {
            for (window, step) in [(512, 448), (512, 384), (256, 200), (64, 64)] {
                let (side, starts) = Ensemble.layout(length: length, window: window, stride: step)
                #expect(side <= length && starts.first == 0 && starts.last! + side == length)
                #expect(side <= max(length, 2 * window - step + 31))
                for (a, b) in zip(starts, starts.dropFirst()) { #expect(a + side - b >= window - step - 1 && b > a) }
            }
        }
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

@Suite struct VividnessMath {
    /// Closed form: softmax(z / T) over three bins, weighted mean of their centres.
    @Test func annealedMeanMatchesClosedForm() {
        let centres: [[Float]] = [[0, 0], [10, 0], [0, 20]]
        let z: [Float] = [1, 2, 0.5, /* second cell */ 0, 0, 0]
        let logits = Tensor(shape: TensorShape(n: 1, h: 1, w: 2, c: 3), values: z)
        let T: Float = 0.5
        let am = Colorizer.annealedMean(logits, centres: centres, temperature: T)
        #expect(am.width == 2 && am.height == 1 && am.channels == 2)
        let e = [exp(Double(1 / T)), exp(Double(2 / T)), exp(Double(0.5 / T))]
        let s = e.reduce(0, +)
        #expect(abs(Double(am[0, 0, 0]) - 10 * e[1] / s) < 1e-4)
        #expect(abs(Double(am[0, 0, 1]) - 20 * e[2] / s) < 1e-4)
        // Equal logits: the plain mean of the centres.
        #expect(abs(am[1, 0, 0] - 10.0 / 3) < 1e-4 && abs(am[1, 0, 1] - 20.0 / 3) < 1e-4)
    }

    /// Bilinear upsampling with half-pixel centres (PyTorch align_corners=False): a horizontal ramp
    /// at 1/4 resolution lands on the full-resolution ramp, edges clamped; weight 0.5 averages.
    @Test func upsampledBlend() {
        var low = PlanarImage(width: 4, height: 2, channels: 2)
        for y in 0..<2 { for x in 0..<4 { low[x, y, 0] = Float(x); low[x, y, 1] = 8 } }
        var ab = PlanarImage(width: 16, height: 8, channels: 2)
        Colorizer.blendUpsampled(&ab, low, weight: 1, factor: 4)
        for x in 0..<16 {
            let expected = min(max((Float(x) + 0.5) / 4 - 0.5, 0), 3)
            #expect(abs(ab[x, 5, 0] - expected) < 1e-6)
            #expect(ab[x, 5, 1] == 8)
        }
        var half = PlanarImage(width: 16, height: 8, channels: 2, repeating: 4)
        Colorizer.blendUpsampled(&half, low, weight: 0.5, factor: 4)
        #expect(half[0, 0, 1] == 6)
    }
}

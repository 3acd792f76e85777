import Foundation
import Testing
import FindColorImage
@testable import FindColor

@Suite struct MetricTests {
    @Test func psnrClosedForm() {
        let a = PlanarImage(width: 8, height: 8, channels: 3, repeating: 100 / 255)
        #expect(Metrics.psnr(a, a) == 99)
        let b = PlanarImage(width: 8, height: 8, channels: 3, repeating: 101 / 255)
        #expect(abs(Metrics.psnr(a, b) - 20 * log10(255.0)) < 1e-9)  // MSE = 1
    }

    @Test func colourfulnessClosedForm() {
        #expect(Metrics.colourfulness(PlanarImage(width: 4, height: 4, channels: 3, repeating: 0.5)) == 0)
        // Pure red: rg = 255, yb = 127.5, no spread: 0.3·√(255² + 127.5²).
        let red = PlanarImage(width: 4, height: 4, channels: 3) { _, _, c in c == 0 ? 1 : 0 }
        #expect(abs(Metrics.colourfulness(red) - 0.3 * (255.0 * 255 + 127.5 * 127.5).squareRoot()) < 1e-9)
        // Half red, half green columns: μ_rg = 0, μ_yb = 127.5, σ_rg = 255, σ_yb = 0.
        let split = PlanarImage(width: 4, height: 4, channels: 3) { x, _, c in (c == 0 && x < 2) || (c == 1 && x >= 2) ? 1 : 0 }
        #expect(abs(Metrics.colourfulness(split) - (255 + 0.3 * 127.5)) < 1e-9)
    }
}

@Suite struct GrossColourErrorTests {
    /// Five pixels, each one case of the definition: gray where the truth is ab (40, 0) (40 away,
    /// 40 less chroma: timid); pure red where the truth is gray (invented); gray where the truth is
    /// ab (10, 0) (only 10 away: neither); red on red (neither); red where the truth has red's
    /// chroma at the opposite a (160 away, the same chroma: a wrong hue, neither).
    @Test func closedForm() {
        let gray: [Float] = [0.5, 0.5, 0.5], red: [Float] = [1, 0, 0]
        let colours = [gray, red, gray, red, red]
        let output = PlanarImage(width: 5, height: 1, channels: 3) { x, _, c in colours[x][c] }
        let r = srgbToLab(PlanarImage(width: 1, height: 1, channels: 3) { _, _, c in red[c] })
        let (ra, rb) = (r.data[1], r.data[2])
        #expect(ra > 70 && rb > 60)
        let truthAB: [(Float, Float)] = [(40, 0), (0, 0), (10, 0), (ra, rb), (-ra, rb)]
        let truth = PlanarImage(width: 5, height: 1, channels: 3) { x, _, c in c == 0 ? 50 : (c == 1 ? truthAB[x].0 : truthAB[x].1) }
        let e = GrossColourErrors.measure(output: output, truth: truth)
        #expect(abs(e.invented - 0.2) < 1e-12 && abs(e.timid - 0.2) < 1e-12, "\(e)")
        // A perfect output has neither.
        #expect(GrossColourErrors.measure(output: output, truth: srgbToLab(output)) == GrossColourErrors(invented: 0, timid: 0))
    }
}

@Suite struct DifferenceHistogramTests {
    /// Quantiles of 1…1000 (× 0.001·7): closed form, within one bin (0.001) above the exact value.
    @Test func quantilesAndMaximum() {
        var h = DifferenceHistogram()
        #expect(h.quantile(0.5) == nil)
        for i in 1...1000 { h.add(Double(i) * 0.007) }
        h.add(100)   // beyond the last bin: counted, and the maximum is exact
        #expect(h.count == 1001 && h.maximum == 100)
        let p50 = h.quantile(0.5)!, p99 = h.quantile(0.99)!
        #expect(p50 >= 501 * 0.007 - 1e-9 && p50 <= 501 * 0.007 + 0.001)   // the 501st of 1001
        #expect(p99 >= 991 * 0.007 - 1e-9 && p99 <= 991 * 0.007 + 0.001)   // the 991st
        #expect(h.quantile(1) == 100)
    }

    /// Two images whose ab differ by (3, 4) at every pixel: every distance is 5 (to the Lab
    /// round trip's precision).
    @Test func abDistances() {
        let lab = PlanarImage(width: 6, height: 5, channels: 3) { x, y, c in c == 0 ? 55 : Float(c == 1 ? x * 3 - 8 : y * 2 - 5) }
        let shifted = PlanarImage(width: 6, height: 5, channels: 3) { x, y, c in c == 0 ? 55 : lab[x, y, c] + (c == 1 ? 3 : 4) }
        var h = DifferenceHistogram()
        h.addABDistances(labToSRGB(lab), labToSRGB(shifted))
        #expect(h.count == 30)
        #expect(abs(h.quantile(0.01)! - 5) < 0.01 && abs(h.maximum - 5) < 0.01)
    }
}

@Suite struct ProtocolTests {
    @Test func protocolAPlacementStatistics() {
        var rng = SeededGenerator(seed: 7)
        let pts = EvalProtocol.A.points(k: 20000, width: 256, height: 256, rng: &rng)
        let ys = pts.map { Double($0.y) }, xs = pts.map { Double($0.x) }
        let mu = (256.0 - 6 + 1) / 2, sd = (256.0 - 6 + 1) / 4
        for v in [xs, ys] {
            let m = v.reduce(0, +) / Double(v.count)
            let s = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
            #expect(abs(m - mu) < 1.0)
            #expect(s > 0.9 * sd && s < sd)  // clipping at ±2σ shrinks it a little
            #expect(v.min()! >= 0 && v.max()! <= 250)
        }
    }

    @Test func protocolBUniformAndSeeded() {
        var r1 = SeededGenerator(seed: 1, 3, 10), r2 = SeededGenerator(seed: 1, 3, 10)
        let a = EvalProtocol.B.points(k: 50, width: 224, height: 224, rng: &r1)
        let b = EvalProtocol.B.points(k: 50, width: 224, height: 224, rng: &r2)
        #expect(a.map(\.x) == b.map(\.x) && a.map(\.y) == b.map(\.y))
        var rng = SeededGenerator(seed: 2)
        let xs = EvalProtocol.B.points(k: 20000, width: 224, height: 224, rng: &rng).map(\.x)
        #expect(xs.min() == 0 && xs.max() == 222)
        #expect(abs(Double(xs.reduce(0, +)) / 20000 - 111) < 1.5)
    }

    @Test func hintsHoldPatchMeans() {
        var lab = PlanarImage(width: 16, height: 16, channels: 3)
        for i in 0..<256 { lab.data[256 + i] = Float(i % 16); lab.data[512 + i] = -Float(i / 16) }
        var rng = SeededGenerator(seed: 3)
        let hints = EvalProtocol.A.hints(k: 5, lab: lab, rng: &rng)
        for h in hints {
            #expect(h.size == 6)
            #expect(abs(h.a - (Float(h.x) + 2.5)) < 1e-4 && abs(h.b + (Float(h.y) + 2.5)) < 1e-4)
        }
    }
}

/// One region-mask rule for the CLI and the server: lightness L*/100 (the server took the mean of
/// the sRGB channels, so a red or a 48 % gray mask meant "outside" there and "inside" in the CLI).
@Suite struct RegionMaskRule {
    @Test func regionMaskIsLightness() {
        // sRGB red (L* 53.2), gray 0.48 (L* 51.4), blue (L* 32.3), black, white.
        let colours: [(Float, Float, Float)] = [(1, 0, 0), (0.48, 0.48, 0.48), (0, 0, 1), (0, 0, 0), (1, 1, 1)]
        let image = PlanarImage(width: colours.count, height: 1, channels: 3) { x, _, c in
            [colours[x].0, colours[x].1, colours[x].2][c]
        }
        let mask = ColorizeRequest.regionMask(from: image)
        #expect(mask.channels == 1 && mask.width == colours.count)
        #expect(mask.data.map { $0 > 0.5 } == [true, true, false, false, true])
        #expect(abs(mask.data[0] - 0.5324) < 1e-3 && mask.data[3] == 0 && abs(mask.data[4] - 1) < 1e-4)
        let gray = PlanarImage(width: 1, height: 1, channels: 1, data: [0.48])
        #expect(abs(ColorizeRequest.regionMask(from: gray).data[0] - mask.data[1]) < 1e-4)
    }
}

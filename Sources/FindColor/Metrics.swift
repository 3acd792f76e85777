import Foundation
import FindColorImage

/// Image quality measures used by `findcolor eval` and the tests.
public enum Metrics {
    /// sRGB [0,1] -> 8-bit value, round half up (the same rule as training/findcolor_train/color.py).
    @inlinable public static func quantize(_ v: Float) -> Float {
        (min(max(v, 0), 1) * 255 + 0.5).rounded(.down)
    }

    /// PSNR in dB between two RGB images after 8-bit quantisation (peak 255).
    public static func psnr(_ x: PlanarImage, _ y: PlanarImage) -> Double {
        precondition(x.width == y.width && x.height == y.height && x.channels == y.channels, "PSNR needs equal shapes")
        var se = 0.0
        for i in 0..<x.data.count {
            let d = Double(quantize(x.data[i]) - quantize(y.data[i]))
            se += d * d
        }
        let mse = se / Double(x.data.count)
        return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
    }

    /// Hasler & Süsstrunk (2003) colourfulness on 8-bit sRGB: σ_rgyb + 0.3 μ_rgyb with
    /// rg = R − G, yb = (R + G)/2 − B.
    public static func colourfulness(_ rgb: PlanarImage) -> Double {
        precondition(rgb.channels == 3, "colourfulness needs an RGB image")
        let n = rgb.planeSize
        var srg = 0.0, syb = 0.0, srg2 = 0.0, syb2 = 0.0
        for i in 0..<n {
            let r = Double(quantize(rgb.data[i])), g = Double(quantize(rgb.data[n + i])), b = Double(quantize(rgb.data[2 * n + i]))
            let rg = r - g, yb = 0.5 * (r + g) - b
            srg += rg; syb += yb; srg2 += rg * rg; syb2 += yb * yb
        }
        let N = Double(n)
        let mrg = srg / N, myb = syb / N
        let vrg = max(0, srg2 / N - mrg * mrg), vyb = max(0, syb2 / N - myb * myb)
        return (vrg + vyb).squareRoot() + 0.3 * (mrg * mrg + myb * myb).squareRoot()
    }
}

import Foundation

/// Film-grain and noise reduction of the lightness: the guided filter of L by itself (He, Sun &
/// Tang), computed as the fast guided filter of `GuidedUpsampler` (the one guided filter of the
/// project), with its regulariser set from a robust estimate of the noise.
///
/// In every window the filter fits `q = A·L + B`, with `A = var / (var + ε)`: where the window's
/// variance is noise-sized (`var ≲ ε`) A is small and the output is the window mean; across an edge
/// or strong texture (`var ≫ ε`) A ≈ 1 and the pixel keeps its value, so edges stay sharp. The
/// coefficients are fitted on an area-downscaled copy (factor `f` so that it has at most
/// `maxFitPixels`; 1 for small images) and applied to the full-resolution L, which keeps time and
/// memory small on 12-megapixel scans.
///
/// ε comes from the noise of that copy, `σ̂` (`estimateNoise`: median absolute value of a
/// second-difference high-pass, Donoho-style, as in Immerkær's estimator), and the strength s:
///
///     ε = (2·s·σ̂)²         radius = max(1, round((1 + s) / f)) fitted pixels
///
/// so in a flat region of pure noise `A ≈ 1 / (1 + 4s²)` (the noise shrinks to ≈ 20 % at s = 1,
/// ≈ 50 % at s = 0.5, before the window means) whatever the photo's resolution and noise level, and a clean photo (σ̂ ≈ 0)
/// is left nearly unchanged. Strength 0 returns the input itself.
public enum GrainReduction {
    /// The fit runs on a copy of at most this many pixels (the downscale factor of the fast guided
    /// filter is the smallest integer that gets there).
    public static let maxFitPixels = 500_000

    /// `l` with grain and noise reduced.
    ///
    /// - Parameters:
    ///   - l: the lightness, 1 channel, L* in [0, 100].
    ///   - strength: in [0, 1]; 0 returns `l` unchanged, 1 is the strongest smoothing.
    /// - Throws: `ImageError.invalidArgument` when `l` is not 1 channel, a sample is NaN or infinite,
    ///   or the strength is not in [0, 1].
    public static func reduce(_ l: PlanarImage, strength: Float) throws -> PlanarImage {
        try RepairInput.checkLightness(l, operation: "grain reduction")
        try RepairInput.checkStrength(strength, operation: "grain reduction")
        if strength == 0 || l.planeSize == 0 { return l }
        if let bad = l.data.firstIndex(where: { !$0.isFinite }) {
            throw ImageError.invalidArgument(
                "grain reduction: the L* sample at (\(bad % l.width), \(bad / l.width)) is \(l.data[bad])")
        }
        let plan = filterPlan(width: l.width, height: l.height, strength: strength)
        let fitted = plan.factor == 1 ? l : l.resized(width: plan.fitWidth, height: plan.fitHeight, method: .area)
        let sigma = estimateNoise(plane: fitted)
        let scale = 2 * Double(strength) * sigma
        let epsilon = Float(max(scale * scale, 1e-6))
        let upsampler = GuidedUpsampler(source: fitted, guideLow: fitted, outputWidth: l.width, outputHeight: l.height,
                                        radius: plan.radius, epsilon: epsilon)
        return upsampler.upsample(guide: l)
    }

    /// The sizes of the fast guided filter for a `width × height` photo.
    static func filterPlan(width: Int, height: Int, strength: Float) -> (factor: Int, fitWidth: Int, fitHeight: Int, radius: Int) {
        let pixels = Double(width) * Double(height)
        let factor = max(1, Int((pixels / Double(maxFitPixels)).squareRoot().rounded(.up)))
        let fitWidth = max(1, Int((Double(width) / Double(factor)).rounded()))
        let fitHeight = max(1, Int((Double(height) / Double(factor)).rounded()))
        let radius = max(1, Int(((1 + Double(strength)) / Double(factor)).rounded()))
        return (factor, fitWidth, fitHeight, radius)
    }

    /// A robust estimate of the standard deviation of the noise in `l`, in L*: the median absolute
    /// response to the second-difference mask
    ///
    ///     [ 1 −2  1]
    ///     [−2  4 −2]   (norm 6; it cancels any image that is linear along x or along y)
    ///     [ 1 −2  1]
    ///
    /// divided by 6 · 0.6745 (the median absolute deviation of a unit Gaussian). Edges and texture
    /// are a minority of the responses and barely move the median. 0 for images smaller than 3 × 3.
    ///
    /// - Throws: `ImageError.invalidArgument` when `l` is not 1 channel.
    public static func estimateNoise(_ l: PlanarImage) throws -> Float {
        try RepairInput.checkLightness(l, operation: "noise estimation")
        return Float(estimateNoise(plane: l))
    }

    static func estimateNoise(plane l: PlanarImage) -> Double {
        let w = l.width, h = l.height
        guard w >= 3, h >= 3 else { return 0 }
        // Histogram of |response| / 6 in bins of 0.01 L* up to 50 (larger values in the last bin).
        let binWidth = 0.01, bins = 5000
        var histogram = [Int](repeating: 0, count: bins)
        var total = 0
        l.data.withUnsafeBufferPointer { p in
            for y in 1..<(h - 1) {
                let up = (y - 1) * w, mid = y * w, down = (y + 1) * w
                for x in 1..<(w - 1) {
                    let r = (p[up + x - 1] + p[up + x + 1] + p[down + x - 1] + p[down + x + 1])
                        - 2 * (p[up + x] + p[down + x] + p[mid + x - 1] + p[mid + x + 1]) + 4 * p[mid + x]
                    guard r.isFinite else { continue }
                    let bin = min(Int(Double(abs(r)) / 6 / binWidth), bins - 1)
                    histogram[bin] += 1
                    total += 1
                }
            }
        }
        guard total > 0 else { return 0 }
        // The median, interpolated within its bin.
        let half = Double(total) / 2
        var below = 0
        for bin in 0..<bins {
            let next = below + histogram[bin]
            if Double(next) >= half {
                let within = histogram[bin] > 0 ? (half - Double(below)) / Double(histogram[bin]) : 0
                return (Double(bin) + within) * binWidth / 0.6745
            }
            below = next
        }
        return Double(bins) * binWidth / 0.6745
    }
}

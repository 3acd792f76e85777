import FindColorParallel
import Foundation

/// The tone correction `FadeCorrection` measured on a photo, and applies.
///
/// The map from input L* to output L* is, with `t` the position between the measured points,
///
///     t  = (L − black) / (white − black)
///     t' = t^gamma          for t in [0, 1]; t itself outside (the tails beyond the percentiles)
///     L' = clamp(targetBlack + (targetWhite − targetBlack) · t', 0, 100)
///
/// `applied == false` means the identity (the photo was left alone); the other fields still report
/// what was measured.
public struct FadeParameters: Equatable, Sendable, CustomStringConvertible {
    /// The measured black and white points: low and high percentiles of L* (outside the defects).
    public var black: Float, white: Float
    /// Where the black and white points are moved to.
    public var targetBlack: Float, targetWhite: Float
    /// The gamma of the mid-tones (1: none; below 1 brightens, above 1 darkens).
    public var gamma: Float
    /// Whether the photo is changed at all.
    public var applied: Bool

    public init(black: Float, white: Float, targetBlack: Float, targetWhite: Float, gamma: Float, applied: Bool) {
        self.black = black
        self.white = white
        self.targetBlack = targetBlack
        self.targetWhite = targetWhite
        self.gamma = gamma
        self.applied = applied
    }

    public var description: String {
        let points = "black \(Self.format(black)) → \(Self.format(targetBlack)), white \(Self.format(white)) → \(Self.format(targetWhite))"
        return applied ? "\(points), gamma \(Self.format(gamma))" : "not applied (\(points))"
    }

    private static func format(_ v: Float) -> String { String(format: "%.1f", v) }

    /// The output of the map for one input value.
    @inline(__always)
    func map(_ l: Float) -> Float {
        var t = (l - black) / (white - black)
        if t > 0 && t < 1 { t = powf(t, gamma) }
        return min(max(targetBlack + (targetWhite - targetBlack) * t, 0), 100)
    }
}

/// Correction of a faded print: low contrast, grey blacks together with dull whites.
///
/// `estimate` measures the black and white points as robust percentiles of L* (0.5 % and 99.5 %,
/// defect pixels excluded when a mask is given). Fading squeezes the tonal range from both ends,
/// so the range `white − black` is what is judged, not each point alone (a low-key photo has dull
/// whites and a high-key one grey blacks by nature):
/// - a photo whose range is at least `fullRange` (70 L*) is left alone (`applied == false`);
/// - below it, both points move towards `targetBlack` (4) / `targetWhite` (94), the medians of the
///   0.5 % and 99.5 % points of 400 random training photos, in proportion to how far the range is
///   below 70, fully from `ramp` (60) below; the contrast gain is at most `maxGain` (3×, so fog is
///   not stretched to extremes). No gamma is estimated (`gamma` stays 1; `apply` honours one given).
///
/// Chosen by simulation on 400 random training photos (`training/experiments/fade_rule.py`, not
/// the development set), each faded as the repair protocol fades (black raised to 0–25, white
/// lowered to 75–100, gamma e^N(0, 0.15)); mean |ΔL*| against the original photo, on the clean
/// photos / the faded copies / the heavily faded ones (range under 50): no correction 0.00 / 7.35 /
/// 7.67; ramp 60 (since 2026-12-05) 0.24 / 6.48 / 5.88; ramp 15 (before) 0.67 / 6.26 / 8.88; ramp
/// 30 0.45 / 6.35 / 7.85; ramp 80 0.18 / 6.61 / 5.83; quadratic or cubic shares of the same
/// ranges gave no better trade-off. A blind correction cannot know how wide the original's range
/// was, so the full stretch to 4 / 94 overshoots most faded prints; the long ramp moves each
/// photo part of the way, keeps a clean photo's change at half the repair floor (|ΔL*| ≤ 0.5), and
/// brings the heavily faded ones closest. (The short ramp was chosen earlier on 300 other photos,
/// where it measured 0.35 / 6.22; on these 400, and on the development photos, its change to clean
/// photos is twice the floor.)
///
/// `apply` maps every pixel (a 4 097-entry look-up table with linear interpolation, row-parallel),
/// `correct` does both.
public enum FadeCorrection {
    public static let blackPercentile: Float = 0.5, whitePercentile: Float = 99.5
    /// Ranges (white − black) at least this wide are not corrected.
    public static let fullRange: Float = 70
    /// How far (L*) below `fullRange` the range must be for the full correction.
    public static let ramp: Float = 60
    public static let targetBlack: Float = 4, targetWhite: Float = 94
    public static let maxGain: Float = 3

    /// Measures the fade of `l` (1 channel L*). With `mask` (1 channel, same size, > 0.5 = defect)
    /// the defects are left out of the percentiles; when every pixel is masked, or the image is
    /// empty or has no finite samples, the result is not applied.
    ///
    /// - Throws: `ImageError.invalidArgument` when `l` or `mask` is not 1 channel or their sizes differ.
    public static func estimate(_ l: PlanarImage, mask: PlanarImage? = nil) throws -> FadeParameters {
        try RepairInput.checkLightness(l, operation: "fade correction")
        if let mask { try RepairInput.checkMask(mask, for: l, operation: "fade correction") }

        // Histogram of L* in [0, 100], bins of 0.01: one per band of rows, in parallel, then summed.
        let bins = 10_001
        let bands = l.height >= 64 ? 8 : 1
        var partial = [Int32](repeating: 0, count: bands * bins)
        let threshold = RepairInput.maskThreshold
        let width = l.width, height = l.height
        l.data.withUnsafeBufferPointer { p in
            (mask?.data ?? []).withUnsafeBufferPointer { m in
                partial.withUnsafeMutableBufferPointer { h in
                    let useMask = mask != nil
                    Parallel.forEachChunk(count: bands, workPerItem: width * height / bands) { range in
                        for band in range {
                            let counts = h.baseAddress! + band * bins
                            for i in band * height / bands * width ..< (band + 1) * height / bands * width {
                                let v = p[i]
                                guard v.isFinite, !useMask || !(m[i] > threshold) else { continue }
                                counts[Int((min(max(v, 0), 100) * 100).rounded())] += 1
                            }
                        }
                    }
                }
            }
        }
        var histogram = [Int](repeating: 0, count: bins)
        for band in 0..<bands {
            for bin in 0..<bins { histogram[bin] += Int(partial[band * bins + bin]) }
        }
        let total = histogram.reduce(0, +)
        guard total > 0 else {
            return FadeParameters(black: 0, white: 100, targetBlack: 0, targetWhite: 100, gamma: 1, applied: false)
        }
        func percentile(_ p: Float) -> Float {
            let rank = Double(p) / 100 * Double(total - 1)
            var below = 0
            for bin in 0..<bins {
                below += histogram[bin]
                if Double(below) > rank { return Float(bin) / 100 }
            }
            return 100
        }
        let black = percentile(blackPercentile), white = percentile(whitePercentile)
        var parameters = FadeParameters(black: black, white: white, targetBlack: black, targetWhite: white,
                                        gamma: 1, applied: false)
        let range = white - black
        if range >= fullRange { return parameters }
        guard range > 0.5 else { return parameters }  // a flat image: nothing to stretch
        let share = min(max((fullRange - range) / ramp, 0), 1)
        var newBlack = black + share * (targetBlack - black)
        var newWhite = white + share * (targetWhite - white)
        // Bound the contrast gain, keeping the centre of the range where it was going.
        if (newWhite - newBlack) / range > maxGain {
            let centre = (newBlack + newWhite) / 2, half = maxGain * range / 2
            newBlack = centre - half
            newWhite = centre + half
        }
        parameters.targetBlack = newBlack
        parameters.targetWhite = newWhite
        parameters.applied = true
        return parameters
    }

    /// `l` mapped by `parameters` (`l` itself when they are not applied).
    ///
    /// - Throws: `ImageError.invalidArgument` when `l` is not 1 channel or the parameters are
    ///   unusable (white not above black, gamma not positive, a non-finite value).
    public static func apply(_ l: PlanarImage, _ parameters: FadeParameters) throws -> PlanarImage {
        var out = l
        try applyInPlace(&out, parameters)
        return out
    }

    /// `apply` writing into `l` (no copy of the plane when `l` is not shared; `l` is unchanged when
    /// it throws).
    public static func applyInPlace(_ l: inout PlanarImage, _ parameters: FadeParameters) throws {
        try RepairInput.checkLightness(l, operation: "fade correction")
        guard parameters.applied else { return }
        let p = parameters
        guard [p.black, p.white, p.targetBlack, p.targetWhite, p.gamma].allSatisfy(\.isFinite),
              p.white > p.black, p.gamma > 0 else {
            throw ImageError.invalidArgument("fade correction: unusable parameters (\(p)); white must be above black and gamma positive")
        }
        // Look-up table over [0, 100] in steps of 100/4096; values outside are mapped directly.
        let steps = 4096
        let table = (0...steps).map { p.map(Float($0) * 100 / Float(steps)) }
        let width = l.width
        l.data.withUnsafeMutableBufferPointer { o in
            table.withUnsafeBufferPointer { lut in
                Parallel.forEachChunk(count: l.height, workPerItem: width) { rows in
                    let scale = Float(steps) / 100
                    for i in rows.lowerBound * width ..< rows.upperBound * width {
                        let v = o[i]
                        if v >= 0 && v <= 100 {
                            let s = v * scale
                            let k = min(Int(s), steps - 1)
                            o[i] = lut[k] + (s - Float(k)) * (lut[k + 1] - lut[k])
                        } else if v.isFinite {
                            o[i] = p.map(v)
                        }
                    }
                }
            }
        }
    }

    /// Measures and applies in one step: the corrected L* and the parameters used.
    public static func correct(_ l: PlanarImage, mask: PlanarImage? = nil) throws -> (image: PlanarImage, parameters: FadeParameters) {
        let parameters = try estimate(l, mask: mask)
        return (try apply(l, parameters), parameters)
    }

    /// `correct` writing into `l`: the parameters used.
    public static func correctInPlace(_ l: inout PlanarImage, mask: PlanarImage? = nil) throws -> FadeParameters {
        let parameters = try estimate(l, mask: mask)
        try applyInPlace(&l, parameters)
        return parameters
    }
}

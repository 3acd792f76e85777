/// Classical (model-free) inpainting of the lightness: the pixels of a defect mask (scratches, dust,
/// hairs, spots, cracks, a torn corner) are replaced by values filled in from the pixels around
/// them. Only L* is filled; colour is predicted afterwards from the repaired L.
///
/// The mask is a 1-channel `PlanarImage` of the image's size; a sample above 0.5 marks a defect
/// (a "hole"). Everything outside the mask is returned bit-exactly unchanged, and the values the
/// holes had are never read.
///
/// Two methods (see `Method`); the default was chosen by measurement on synthetic photos
/// (gradients, sinusoidal texture, hard edges; scratches, dust, hairs and blotches, a torn corner:
/// `InpaintingTests`), PSNR of L inside the mask (peak 100) and time on this project's 2-core
/// build machine (debug build with -O):
///
///     damage (share of 512×384)   damaged   push–pull       fast marching (radius 4)   with grain σ 2
///     scratches 1–8 px  (3.0 %)   9.1 dB    32.0 dB  5 ms    32.4 dB  11 ms             31.7 / 30.6 dB
///     dust ≤ 8 px       (0.7 %)   7.0 dB    32.0 dB  4 ms    29.3 dB   4 ms             31.8 / 28.2 dB
///     hairs 1–2 px      (0.4 %)   6.1 dB    35.9 dB  4 ms    35.0 dB   3 ms             34.7 / 32.5 dB
///     blotches ≤ 40 px  (2.6 %)   8.1 dB    29.0 dB  5 ms    25.8 dB  10 ms             28.9 / 24.4 dB
///     torn corner       (5.3 %)   5.4 dB    25.8 dB  6 ms    24.4 dB  13 ms             25.8 / 23.4 dB
///
/// ("damaged": the defects painted white; "with grain": the same fills on a copy with Gaussian
/// grain of σ 2 L*, scored against the clean photo, push–pull / fast marching.)
///
/// Push–pull is the default: it is as good as fast marching on thin scratches (−0.4 dB on the clean
/// photo, +1.1 dB with grain: fast marching extrapolates the grain's gradients into the hole), and
/// 1–3 dB better on dust, hairs, blotches and the torn corner, in about half the time on large
/// holes; it is also row-parallel and its cost grows little with the holes' area. At 12 MP
/// (4000×3000, same machine, while a training job shared its 2 cores; FINDCOLOR_REPAIR_BENCH=1
/// runs `InpaintingTests.twelveMegapixelTiming`): push–pull 230–360 ms whatever the mask, fast
/// marching 120–370 ms on scratches and dust but 980 ms on the torn corner (5 %); grain reduction
/// 190 ms, fade correction 140 ms. Since 2026-12-07 (the pull's fast path, the push over the
/// deficient pixels only, the fade's histogram in parallel; the same test, training paused):
/// push–pull 150–210 ms, of which ~70 ms are the copy of the plane and the scan for its holes
/// (`fillInPlace` skips the copy) and the push–pull itself 30–160 ms, 1.4–3.2× faster than with
/// every coarse pixel computed the general way in the same run; fast marching 120–350 ms, 525 ms on
/// the torn corner; grain reduction 100 ms, fade correction 85 ms.
public enum Inpainting {
    /// How the holes are filled.
    public enum Method: String, CaseIterable, Sendable {
        /// Multi-scale push–pull with harmonic smoothing (`PushPullFill`): every hole gets the
        /// normalised-convolution average of a pyramid of the known pixels, then Gauss–Seidel
        /// sweeps of the Laplace equation join it smoothly to its border. Smooth, fast, parallel;
        /// blurs structure that crosses a wide hole.
        case pushPull
        /// Telea's fast-marching method (`FastMarchingFill`): fills from the border inward, each
        /// pixel a weighted extrapolation of the known pixels within a few pixels, favouring those
        /// along the normal of the border and on the same distance level. Continues edges into
        /// thin holes; sequential, and slower on large holes.
        case fastMarching

        /// The method `fill` uses when none is given (chosen by measurement, see `Inpainting`).
        public static let `default`: Method = .pushPull
    }

    /// Sample radius of the fast-marching fill, in pixels.
    public static let fastMarchingRadius = 4
    /// Gauss–Seidel sweeps of the push–pull fill at full resolution, restricted to the mask.
    public static let pushPullSweeps = 12

    /// The number of pixels a mask marks as defects (samples > 0.5).
    public static func defectCount(_ mask: PlanarImage) -> Int {
        mask.data.withUnsafeBufferPointer { m in
            var n = 0
            for v in m { n += v > RepairInput.maskThreshold ? 1 : 0 }
            return n
        }
    }

    /// `l` with the pixels marked by `mask` filled in from the others.
    ///
    /// - Parameters:
    ///   - l: the lightness, 1 channel (L* in [0, 100], although any finite values work).
    ///   - mask: 1 channel, the size of `l`; a sample > 0.5 marks a pixel to fill (NaN does not).
    ///   - method: the fill (`Method.default` when omitted).
    /// - Returns: a copy of `l` whose masked pixels are filled. Unmasked pixels are bit-exactly
    ///   those of `l`; an empty mask returns `l` itself. Filled values are finite and lie within the
    ///   range of the known pixels.
    /// - Throws: `ImageError.invalidArgument` when `l` or `mask` is not 1 channel, their sizes
    ///   differ, an unmasked sample of `l` is NaN or infinite, or the mask covers every pixel (there
    ///   is nothing to fill from: this is an error, not a constant fill).
    public static func fill(_ l: PlanarImage, mask: PlanarImage, method: Method = .default) throws -> PlanarImage {
        var out = l
        try fillInPlace(&out, mask: mask, method: method)
        return out
    }

    /// `fill` writing into `l` (no copy of the plane when `l` is not shared; `l` is unchanged when
    /// it throws).
    public static func fillInPlace(_ l: inout PlanarImage, mask: PlanarImage, method: Method = .default) throws {
        try RepairInput.checkLightness(l, operation: "inpainting")
        try RepairInput.checkMask(mask, for: l, operation: "inpainting")
        let width = l.width, height = l.height, count = l.planeSize
        guard count <= Int(Int32.max) else {
            throw ImageError.invalidArgument("inpainting: \(width)×\(height) is too many pixels (at most \(Int32.max))")
        }

        // The holes, and the first non-finite sample outside them. Each row is first tested whole
        // (branch-free, vectorised), and only rows with a hole or a non-finite sample are walked.
        var holes: [Int32] = []
        var undefined: Int? = nil
        let threshold = RepairInput.maskThreshold
        l.data.withUnsafeBufferPointer { lp in
            mask.data.withUnsafeBufferPointer { mp in
                rows: for y in 0..<height {
                    let row = y * width
                    var hole: UInt8 = 0, nonFinite: UInt8 = 0
                    for i in row ..< row + width {
                        hole |= mp[i] > threshold ? 1 : 0
                        nonFinite |= lp[i].bitPattern & 0x7f80_0000 == 0x7f80_0000 ? 1 : 0
                    }
                    if hole == 0 && nonFinite == 0 { continue }
                    for i in row ..< row + width {
                        if mp[i] > threshold {
                            holes.append(Int32(i))
                        } else if !lp[i].isFinite {
                            undefined = i
                            break rows
                        }
                    }
                }
            }
        }
        if let i = undefined {
            throw ImageError.invalidArgument(
                "inpainting: the L* sample at (\(i % width), \(i / width)) is \(l.data[i]), outside the mask; "
                    + "only masked pixels may be undefined")
        }
        if holes.isEmpty { return }
        guard holes.count < count else {
            throw ImageError.invalidArgument(
                "inpainting: the mask covers all \(width)×\(height) pixels, so there is nothing to fill them from")
        }

        switch method {
        case .pushPull:
            PushPullFill.fill(&l.data, width: width, height: height, mask: mask.data, holes: holes,
                              iterations: pushPullSweeps)
        case .fastMarching:
            FastMarchingFill.fill(&l.data, width: width, height: height, mask: mask.data, holes: holes,
                                  radius: fastMarchingRadius)
        }
    }
}

import FindColorParallel

/// Multi-scale "push–pull" hole filling (Gortler et al., "The Lumigraph", 1996; here with the
/// normalised convolution of Knutsson & Westin and a harmonic smoothing at every scale), the
/// `Inpainting.Method.pushPull` fill.
///
/// **Pull** (fine to coarse): every level halves the previous one. A coarse pixel is the normalised
/// convolution of the four finer pixels around it along each axis with the taps [1 3 3 1]/8 (the
/// transpose of bilinear ×2 upsampling):
///
///     W = Σ k·w / Σ k        V = Σ k·w·v / Σ k·w
///
/// where `w` is the finer level's confidence (at full resolution 1 for a known pixel, 0 for a hole)
/// and `V` is the average of the *known* samples only. `W` is the fraction of the footprint that is
/// known. The pyramid ends at 1 × 1, where (with at least one known pixel) `W > 0`. A coarse pixel
/// whose footprint lies inside the level and holds no hole (no finer pixel of weight below 1:
/// nearly every pixel of a scan with a few defects) takes a path without the per-sample tests, with
/// the same arithmetic in the same order, so the result is bit-identical to computing every pixel
/// the general way (`InpaintingTests.pushPullFastPathIsBitIdenticalToTheGeneralOne`), and each level keeps the list of its pixels of weight
/// below 1, so the push visits only those.
///
/// **Push** (coarse to fine): the coarser level, already complete, is upsampled bilinearly and
/// blended in where the finer level is uncertain: `v ← w·v + (1 − w)·up(V_coarse)`. Pixels with no
/// known sample at all in their footprint (`w = 0`) then get a few Gauss–Seidel sweeps of the
/// Laplace equation (each one the mean of its 4 neighbours), so that large holes become a smooth
/// membrane rather than the blocky average of a coarse level. At full resolution the holes take the
/// upsampled level 1 and `iterations` sweeps restricted to the mask, which joins the fill to its
/// border without a seam. Known pixels are never written.
///
/// Every filled value is a convex combination of known samples, so the fill stays within their
/// range (no overshoot, no NaN). Cost: the pull reads every pixel once (16 taps per coarse pixel,
/// row-parallel); the push and the sweeps touch only the holes. Memory: the pyramid's levels 1 and
/// up, two Float planes of a quarter size, a third and so on (≈ 2/3 of one full-size plane in all).
enum PushPullFill {
    /// One pyramid level: the normalised average `value` of the known samples in each pixel's
    /// footprint and the known fraction `weight` of that footprint.
    struct Level {
        let width: Int, height: Int
        var value: [Float], weight: [Float]
        /// The pixels whose weight is below 1, in raster order (every other weight is exactly 1).
        var deficient: [Int32]
    }

    /// Sweeps at each coarse level over its pixels with no known sample (cheap: the levels are small).
    static let coarseSweeps = 4

    /// Fills `holes` (indices into the `width × height` plane `pixels`, raster order) in place.
    /// `mask` marks the holes (> 0.5); every other pixel of `pixels` must be finite. `fast` off
    /// computes every coarse pixel the general way (the tests' reference for the fast path).
    static func fill(_ pixels: inout [Float], width: Int, height: Int, mask: [Float], holes: [Int32],
                     iterations: Int, fast: Bool = true) {
        precondition(pixels.count == width * height && mask.count == pixels.count)
        guard !holes.isEmpty else { return }

        // Pull: level 1 from the full-resolution pixels and the mask, then each level from the last.
        var levels: [Level] = []
        var w = width, h = height
        while w > 1 || h > 1 {
            let next: Level
            if let last = levels.last {
                next = pull(value: last.value, weight: last.weight, mask: nil, deficient: last.deficient, width: w, height: h, fast: fast)
            } else {
                next = pull(value: pixels, weight: nil, mask: mask, deficient: holes, width: w, height: h, fast: fast)
            }
            levels.append(next)
            w = next.width
            h = next.height
        }

        // Push: complete each level from the one above it (the top level is complete: W > 0 there
        // when any pixel is known, and a 1 × 1 level needs nothing from above).
        if levels.count >= 2 {
            for k in stride(from: levels.count - 2, through: 0, by: -1) {
                let coarse = levels[k + 1]
                push(into: &levels[k], from: coarse)
            }
        }

        // Full resolution: the holes start from the upsampled level 1 (or the single coarse value),
        // then the harmonic sweeps restricted to the mask.
        if let first = levels.first {
            first.value.withUnsafeBufferPointer { coarse in
                pixels.withUnsafeMutableBufferPointer { fine in
                    for i in holes {
                        let index = Int(i)
                        fine[index] = upsampled(coarse, width: first.width, height: first.height,
                                                x: index % width, y: index / width)
                    }
                }
            }
        }
        sweep(&pixels, width: width, height: height, indices: holes, iterations: iterations)
    }

    /// The next coarser level of (`value`, `weight`), or of (`value`, 1 − [mask > 0.5]) at full
    /// resolution. Hole samples are never read as numbers (they may be anything, NaN included).
    /// `deficient` lists the fine pixels whose weight is below 1 (at full resolution: the holes).
    static func pull(value: [Float], weight: [Float]?, mask: [Float]?, deficient: [Int32],
                     width fw: Int, height fh: Int, fast: Bool) -> Level {
        let cw = (fw + 1) / 2, ch = (fh + 1) / 2
        var outValue = [Float](repeating: 0, count: cw * ch)
        var outWeight = [Float](repeating: 0, count: cw * ch)
        let taps: [Float] = [0.125, 0.375, 0.375, 0.125]
        let (t0, t1, t2, t3) = (taps[0], taps[1], taps[2], taps[3])
        // The in-image share of the horizontal kernel of each coarse column (1 except at the border).
        var columnNorm = [Float](repeating: 0, count: cw)
        for X in 0..<cw {
            for t in 0..<4 where (0..<fw).contains(2 * X - 1 + t) { columnNorm[X] += taps[t] }
        }
        // The coarse pixels whose footprint (fine 2X − 1 … 2X + 2 on each axis) holds a deficient
        // fine pixel: fine x lies in the footprints of X = ⌈(x − 2)/2⌉ … ⌊(x + 1)/2⌋.
        var touched = [Bool](repeating: false, count: fast ? cw * ch : 0)
        var candidates: [Int32] = []
        if fast {
            for i32 in deficient {
                let x = Int(i32) % fw, y = Int(i32) / fw
                for Y in max(0, (y - 1) >> 1) ... min(ch - 1, (y + 1) >> 1) {
                    for X in max(0, (x - 1) >> 1) ... min(cw - 1, (x + 1) >> 1) where !touched[Y * cw + X] {
                        touched[Y * cw + X] = true
                        candidates.append(Int32(Y * cw + X))
                    }
                }
            }
        }
        // The coarse columns and rows whose footprints lie inside the fine level.
        let interiorX = 1 ..< max(1, min(cw, (fw - 3) / 2 + 1)), interiorY = 1 ..< max(1, min(ch, (fh - 3) / 2 + 1))
        let threshold = RepairInput.maskThreshold
        value.withUnsafeBufferPointer { v in
            (weight ?? []).withUnsafeBufferPointer { wp in
                (mask ?? []).withUnsafeBufferPointer { mp in
                    touched.withUnsafeBufferPointer { near in
                        outValue.withUnsafeMutableBufferPointer { ov in
                            outWeight.withUnsafeMutableBufferPointer { ow in
                                let useMask = mask != nil
                                // The general normalised convolution of one coarse pixel.
                                func general(_ X: Int, _ Y: Int) {
                                    var sumW: Float = 0, sumV: Float = 0, rowNorm: Float = 0
                                    for ty in 0..<4 {
                                        let fy = 2 * Y - 1 + ty
                                        guard fy >= 0 && fy < fh else { continue }
                                        let ky = taps[ty]
                                        rowNorm += ky
                                        let row = fy * fw
                                        var sw: Float = 0, sv: Float = 0
                                        for tx in 0..<4 {
                                            let fx = 2 * X - 1 + tx
                                            guard fx >= 0 && fx < fw else { continue }
                                            let i = row + fx
                                            let wgt: Float = useMask ? (mp[i] > threshold ? 0 : 1) : wp[i]
                                            if wgt > 0 {
                                                let k = taps[tx] * wgt
                                                sw += k
                                                sv += k * v[i]
                                            }
                                        }
                                        sumW += ky * sw
                                        sumV += ky * sv
                                    }
                                    let o = Y * cw + X
                                    ow[o] = min(sumW / (rowNorm * columnNorm[X]), 1)
                                    ov[o] = sumW > 0 ? sumV / sumW : 0
                                }
                                Parallel.forEachChunk(count: ch, workPerItem: cw * 16) { rows in
                                    for Y in rows {
                                        guard fast && interiorY.contains(Y) else {
                                            for X in 0..<cw { general(X, Y) }
                                            continue
                                        }
                                        for X in 0..<interiorX.lowerBound { general(X, Y) }
                                        var X = interiorX.lowerBound
                                        while X < interiorX.upperBound {
                                            if near[Y * cw + X] {
                                                general(X, Y)
                                                X += 1
                                                continue
                                            }
                                            // A run of pixels whose whole footprint is known: every
                                            // weight is 1, so k = tap, sw = 1 and the weight is 1.
                                            var end = X + 1
                                            while end < interiorX.upperBound && !near[Y * cw + end] { end += 1 }
                                            let sw: Float = ((t0 + t1) + t2) + t3
                                            var sumW: Float = 0
                                            sumW += t0 * sw
                                            sumW += t1 * sw
                                            sumW += t2 * sw
                                            sumW += t3 * sw
                                            // One fine row's horizontal taps, as the general loop sums them.
                                            @inline(__always) func row(_ i: Int) -> Float {
                                                var sv: Float = 0
                                                sv += t0 * v[i]
                                                sv += t1 * v[i + 1]
                                                sv += t2 * v[i + 2]
                                                sv += t3 * v[i + 3]
                                                return sv
                                            }
                                            let top = (2 * Y - 1) * fw - 1
                                            for R in X..<end {
                                                let i = top + 2 * R
                                                var sumV: Float = 0
                                                sumV += t0 * row(i)
                                                sumV += t1 * row(i + fw)
                                                sumV += t2 * row(i + 2 * fw)
                                                sumV += t3 * row(i + 3 * fw)
                                                ow[Y * cw + R] = min(sumW, 1)
                                                ov[Y * cw + R] = sumV / sumW
                                            }
                                            X = end
                                        }
                                        for X in max(interiorX.upperBound, interiorX.lowerBound)..<cw { general(X, Y) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // This level's pixels of weight below 1 (only near the finer ones; all of them without `fast`).
        var out: [Int32]
        if fast {
            out = candidates.filter { outWeight[Int($0)] < 1 }
            out.sort()
        } else {
            out = (0 ..< cw * ch).compactMap { outWeight[$0] < 1 ? Int32($0) : nil }
        }
        return Level(width: cw, height: ch, value: outValue, weight: outWeight, deficient: out)
    }

    /// Completes `fine` where its weight is below 1 from the complete coarser level, then smooths
    /// its pixels without any known sample.
    static func push(into fine: inout Level, from coarse: Level) {
        let fw = fine.width, deficient = fine.deficient
        var empty: [Int32] = []
        coarse.value.withUnsafeBufferPointer { c in
            fine.weight.withUnsafeBufferPointer { w in
                fine.value.withUnsafeMutableBufferPointer { v in
                    for i32 in deficient {
                        let i = Int(i32)
                        let wgt = w[i]
                        let up = upsampled(c, width: coarse.width, height: coarse.height, x: i % fw, y: i / fw)
                        if wgt <= 0 {
                            v[i] = up
                            empty.append(i32)
                        } else {
                            v[i] = wgt * v[i] + (1 - wgt) * up
                        }
                    }
                }
            }
        }
        sweep(&fine.value, width: fw, height: fine.height, indices: empty, iterations: coarseSweeps)
    }

    /// The bilinear ×2 upsampling of `coarse` (`align_corners = false`: coarse pixel X covers fine
    /// pixels 2X and 2X + 1) at fine pixel (x, y).
    @inline(__always)
    static func upsampled(_ coarse: UnsafeBufferPointer<Float>, width cw: Int, height ch: Int, x: Int, y: Int) -> Float {
        // Fine x maps to coarse coordinate x/2 − 1/4: taps (X − 1, X) with (1/4, 3/4) for even x,
        // (X, X + 1) with (3/4, 1/4) for odd x; clamped at the border.
        let X = x >> 1, Y = y >> 1
        let xa = (x & 1 == 0) ? max(X - 1, 0) : X, xb = (x & 1 == 0) ? X : min(X + 1, cw - 1)
        let ya = (y & 1 == 0) ? max(Y - 1, 0) : Y, yb = (y & 1 == 0) ? Y : min(Y + 1, ch - 1)
        let tx: Float = (x & 1 == 0) ? 0.75 : 0.25, ty: Float = (y & 1 == 0) ? 0.75 : 0.25
        let top = coarse[ya * cw + xa] + tx * (coarse[ya * cw + xb] - coarse[ya * cw + xa])
        let bottom = coarse[yb * cw + xa] + tx * (coarse[yb * cw + xb] - coarse[yb * cw + xa])
        return top + ty * (bottom - top)
    }

    /// Gauss–Seidel sweeps of the Laplace equation over `indices` (raster order): each pixel becomes
    /// the mean of its 4 neighbours inside the image. Other pixels are read, never written.
    static func sweep(_ plane: inout [Float], width: Int, height: Int, indices: [Int32], iterations: Int) {
        guard !indices.isEmpty, iterations > 0 else { return }
        plane.withUnsafeMutableBufferPointer { p in
            for _ in 0..<iterations {
                for i32 in indices {
                    let i = Int(i32)
                    let x = i % width
                    var sum: Float = 0, count: Float = 0
                    if x > 0 { sum += p[i - 1]; count += 1 }
                    if x + 1 < width { sum += p[i + 1]; count += 1 }
                    if i >= width { sum += p[i - width]; count += 1 }
                    if i + width < width * height { sum += p[i + width]; count += 1 }
                    if count > 0 { p[i] = sum / count }
                }
            }
        }
    }
}

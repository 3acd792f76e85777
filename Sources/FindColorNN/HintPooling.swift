import FindColorParallel

extension Ops {
    /// Pools a user-hint tensor `[a, b, …, mask]` (values in the leading channels, a 0/1 mask in
    /// the last) by `factor` so that hints survive downsampling:
    /// m_avg = avgpool(mask); each value v_p = avgpool(v · mask) / m_avg (0 where m_avg == 0);
    /// the mask becomes maxpool(mask). Output: `[a_p, b_p, …, m_p]` at floor(h / f) × floor(w / f).
    public static func hintPool(_ hints: Tensor, factor f: Int) -> Tensor {
        LayerProfile.record("hint pool /\(f)", kind: "hint pool") { hintPoolKernel(hints, factor: f) }
    }

    static func hintPoolKernel(_ hints: Tensor, factor f: Int) -> Tensor {
        precondition(hints.c >= 2, "hintPool: needs value channels and a mask channel, got \(hints.shape)")
        precondition(f >= 1 && hints.h >= f && hints.w >= f, "hintPool: input \(hints.shape) smaller than factor \(f)")
        let out = Tensor(uninitializedShape: TensorShape(n: hints.n, h: hints.h / f, w: hints.w / f, c: hints.c))
        let c = hints.c, values = c - 1, inH = hints.h, inW = hints.w, oh = out.h, ow = out.w
        let area = Float(f * f)
        let px = UnsafePointer(hints.basePointer), po = out.basePointer
        Parallel.forEachRange(hints.n * oh, minimumChunk: Swift.max(1, 4096 / Swift.max(1, ow * f * f))) { rows in
            var weightedSums = [Float](repeating: 0, count: values)
            for r in rows {
                let b = r / oh, oy = r % oh
                for ox in 0..<ow {
                    let window = px + ((b * inH + oy * f) * inW + ox * f) * c
                    for k in 0..<values { weightedSums[k] = 0 }
                    var maskSum: Float = 0, maskMax = -Float.infinity
                    for dy in 0..<f {
                        for dx in 0..<f {
                            let pixel = window + (dy * inW + dx) * c
                            let mask = pixel[values]
                            maskSum += mask
                            maskMax = Swift.max(maskMax, mask)
                            for k in 0..<values { weightedSums[k] += pixel[k] * mask }
                        }
                    }
                    let dst = po + (r * ow + ox) * c
                    let maskMean = maskSum / area
                    for k in 0..<values {
                        dst[k] = maskMean == 0 ? 0 : (weightedSums[k] / area) / maskMean
                    }
                    dst[values] = maskMax
                }
            }
        }
        return out
    }

    /// `hintPool` of the network's hints [a, b, mask] at every factor 2, 4, 8, … up to `largest` (a
    /// power of two): level 2 from the full-resolution hints, each next level from the sums of the
    /// one before (2 × 2 blocks of cells), so the full-resolution raster is read once instead of once
    /// per level. Equal to `hintPool(hints, factor: f)` up to float rounding of the sums (tested);
    /// `hintPool` stays the definition (and the PyTorch goldens' check).
    public static func hintPyramid(_ hints: Tensor, largest: Int) -> [Int: Tensor] {
        precondition(largest >= 2 && largest & (largest - 1) == 0, "hintPyramid: largest factor \(largest) is not a power of two ≥ 2")
        precondition(hints.c == 3 && hints.h >= largest && hints.w >= largest,
                     "hintPyramid: input \(hints.shape) is not [a, b, mask] of at least \(largest)×\(largest)")
        var out: [Int: Tensor] = [:]
        _ = LayerProfile.record("hint pyramid /2…/\(largest)", kind: "hint pool") {
            var level = level2Sums(hints)
            var f = 2
            while true {
                out[f] = pooled(level)
                if f == largest { break }
                level = halved(level)
                f *= 2
            }
            return out[2]!
        }
        return out
    }

    /// One level of the pyramid: per cell (n, y, x order) [Σ a·m, Σ b·m, Σ m, max m].
    private struct HintSums {
        var n: Int, h: Int, w: Int
        var data: [Float]
    }

    /// Level 2 from the full-resolution [a, b, mask].
    private static func level2Sums(_ hints: Tensor) -> HintSums {
        let inH = hints.h, inW = hints.w, lh = inH / 2, lw = inW / 2
        var level = HintSums(n: hints.n, h: lh, w: lw, data: [Float](repeating: 0, count: hints.n * lh * lw * 4))
        let px = UnsafePointer(hints.basePointer)
        level.data.withUnsafeMutableBufferPointer { d in
            let d = d.baseAddress!
            Parallel.forEachRange(hints.n * lh, minimumChunk: Swift.max(1, 2048 / Swift.max(1, lw))) { rows in
                for r in rows {
                    let b = r / lh, oy = r % lh
                    for ox in 0..<lw {
                        let top = px + ((b * inH + oy * 2) * inW + ox * 2) * 3, bottom = top + inW * 3
                        let m0 = top[2], m1 = top[5], m2 = bottom[2], m3 = bottom[5]
                        let cell = d + (r * lw + ox) * 4
                        cell[0] = ((top[0] * m0 + top[3] * m1) + bottom[0] * m2) + bottom[3] * m3
                        cell[1] = ((top[1] * m0 + top[4] * m1) + bottom[1] * m2) + bottom[4] * m3
                        cell[2] = ((m0 + m1) + m2) + m3
                        cell[3] = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
                    }
                }
            }
        }
        return level
    }

    /// The pooled hints of one level: a, b = Σ v·m / Σ m (0 where Σ m = 0), mask = max.
    private static func pooled(_ s: HintSums) -> Tensor {
        let out = Tensor(uninitializedShape: TensorShape(n: s.n, h: s.h, w: s.w, c: 3))
        let po = out.basePointer
        s.data.withUnsafeBufferPointer { d in
            for i in 0..<s.n * s.h * s.w {
                let cell = d.baseAddress! + i * 4, dst = po + i * 3, m = cell[2]
                dst[0] = m == 0 ? 0 : cell[0] / m
                dst[1] = m == 0 ? 0 : cell[1] / m
                dst[2] = cell[3]
            }
        }
        return out
    }

    /// The next level: each cell the sums (and maximum) of a 2 × 2 block of the level's cells.
    private static func halved(_ s: HintSums) -> HintSums {
        var next = HintSums(n: s.n, h: s.h / 2, w: s.w / 2, data: [Float](repeating: 0, count: s.n * (s.h / 2) * (s.w / 2) * 4))
        s.data.withUnsafeBufferPointer { d in
            next.data.withUnsafeMutableBufferPointer { o in
                for b in 0..<s.n {
                    for y in 0..<next.h {
                        for x in 0..<next.w {
                            let cell = o.baseAddress! + ((b * next.h + y) * next.w + x) * 4
                            cell[3] = -Float.infinity
                            for dy in 0..<2 {
                                for dx in 0..<2 {
                                    let src = d.baseAddress! + ((b * s.h + 2 * y + dy) * s.w + 2 * x + dx) * 4
                                    for k in 0..<3 { cell[k] += src[k] }
                                    cell[3] = Swift.max(cell[3], src[3])
                                }
                            }
                        }
                    }
                }
            }
        }
        return next
    }
}

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
        if c == 3 {  // [a, b, mask], the network's hints: the same sums without the generic loops
            Parallel.forEachRange(hints.n * oh, minimumChunk: Swift.max(1, 4096 / Swift.max(1, ow * f * f))) { rows in
                for r in rows {
                    let b = r / oh, oy = r % oh
                    for ox in 0..<ow {
                        let window = px + ((b * inH + oy * f) * inW + ox * f) * 3
                        var sa: Float = 0, sb: Float = 0, maskSum: Float = 0, maskMax = -Float.infinity
                        for dy in 0..<f {
                            var pixel = window + dy * inW * 3
                            for _ in 0..<f {
                                let mask = pixel[2]
                                maskSum += mask
                                maskMax = Swift.max(maskMax, mask)
                                sa += pixel[0] * mask
                                sb += pixel[1] * mask
                                pixel += 3
                            }
                        }
                        let dst = po + (r * ow + ox) * 3
                        let maskMean = maskSum / area
                        dst[0] = maskMean == 0 ? 0 : (sa / area) / maskMean
                        dst[1] = maskMean == 0 ? 0 : (sb / area) / maskMean
                        dst[2] = maskMax
                    }
                }
            }
            return out
        }
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
}

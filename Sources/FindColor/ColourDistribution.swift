import Foundation
import FindColorImage
import FindColorNN
import FindColorParallel

/// What is read from the network's colour distribution (the bin logits, one cell per
/// `ModelConfig.logitsStride`² pixels): the annealed mean (vividness) and the peak probability
/// (the ensemble's confidence), brought back to the pixel grid.
extension Colorizer {
    /// The annealed mean of the bin distribution (Zhang et al. 2016): per cell,
    /// Σ_q softmax(z / T)_q · centre_q, in Lab units. `logits` is 1×h×w×Q; the result has 2 planes.
    public static func annealedMean(_ logits: Tensor, centres: [[Float]], temperature: Float) -> PlanarImage {
        let h = logits.h, w = logits.w, q = logits.c
        precondition(centres.count == q, "\(q) logits but \(centres.count) bin centres")
        var out = PlanarImage(width: w, height: h, channels: 2)
        let n = w * h, invT = 1 / temperature
        let ca = centres.map { $0[0] }, cb = centres.map { $0[1] }
        logits.withUnsafeBufferPointer { p in
            out.data.withUnsafeMutableBufferPointer { o in
                let src = p.baseAddress!, dst = o.baseAddress!
                // Cells are independent: in parallel (the same arithmetic per cell, the same result).
                Parallel.forEachRange(n, minimumChunk: 256) { cells in
                    for cell in cells {
                        let z = src + cell * q
                        var mx = -Float.infinity
                        for k in 0..<q { mx = max(mx, z[k] * invT) }
                        var sum: Float = 0, a: Float = 0, b: Float = 0
                        for k in 0..<q {
                            let e = exp(z[k] * invT - mx)
                            sum += e
                            a += e * ca[k]
                            b += e * cb[k]
                        }
                        dst[cell] = a / sum
                        dst[n + cell] = b / sum
                    }
                }
            }
        }
        return out
    }

    /// ab ← (1 − weight)·ab + weight·low, with `low` on the bin head's grid, `factor` =
    /// `ModelConfig.logitsStride` times coarser (see `upsampled`).
    static func blendUpsampled(_ ab: inout PlanarImage, _ low: PlanarImage, weight: Float, factor: Int) {
        let up = upsampled(low, width: ab.width, height: ab.height, factor: factor)
        for i in 0..<ab.data.count { ab.data[i] = (1 - weight) * ab.data[i] + weight * up.data[i] }
    }

    /// `low`, a grid `factor` times coarser over the same (possibly padded at the end) extent,
    /// sampled at `width × height` bilinearly with half-pixel centres (PyTorch's
    /// `align_corners=False`), edges clamped. Any number of planes.
    static func upsampled(_ low: PlanarImage, width W: Int, height H: Int, factor: Int) -> PlanarImage {
        var out = PlanarImage(width: W, height: H, channels: low.channels)
        let n = W * H, lw = low.width, lh = low.height, ln = lw * lh, C = low.channels
        let f = Float(factor)
        out.data.withUnsafeMutableBufferPointer { o in
            low.data.withUnsafeBufferPointer { l in
                let o = o.baseAddress!, l = l.baseAddress!
                Parallel.forEachChunk(count: H, workPerItem: W * C) { ys in
                    for y in ys {
                        let sy = min(max((Float(y) + 0.5) / f - 0.5, 0), Float(lh - 1))
                        let y0 = Int(sy), y1 = min(y0 + 1, lh - 1), fy = sy - Float(y0)
                        for x in 0..<W {
                            let sx = min(max((Float(x) + 0.5) / f - 0.5, 0), Float(lw - 1))
                            let x0 = Int(sx), x1 = min(x0 + 1, lw - 1), fx = sx - Float(x0)
                            for c in 0..<C {
                                let b = c * ln
                                let top = l[b + y0 * lw + x0] * (1 - fx) + l[b + y0 * lw + x1] * fx
                                let bottom = l[b + y1 * lw + x0] * (1 - fx) + l[b + y1 * lw + x1] * fx
                                o[c * n + y * W + x] = top * (1 - fy) + bottom * fy
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The peak probability softmax(z)_max of each cell's colour distribution: how sure the
    /// network is of one colour there (1/Q when it has no idea, near 1 when it is certain).
    static func peakProbability(_ logits: Tensor) -> PlanarImage {
        let h = logits.h, w = logits.w, q = logits.c
        var out = PlanarImage(width: w, height: h, channels: 1)
        logits.withUnsafeBufferPointer { p in
            out.data.withUnsafeMutableBufferPointer { o in
                let src = p.baseAddress!, dst = o.baseAddress!
                Parallel.forEachRange(w * h, minimumChunk: 256) { cells in
                    for cell in cells {
                        let z = src + cell * q
                        // The largest logit, 8 bins at a time (the same value in any order).
                        var max8 = SIMD8<Float>(repeating: -.infinity), k = 0
                        while k + 8 <= q {
                            max8 = pointwiseMax(max8, UnsafeRawPointer(z + k).loadUnaligned(as: SIMD8<Float>.self))
                            k += 8
                        }
                        var mx = max8.max()
                        while k < q { mx = max(mx, z[k]); k += 1 }
                        // Σ exp(z − max), 8 bins at a time (`exp8`; the rest one by one).
                        var sum8 = SIMD8<Float>()
                        k = 0
                        let m8 = SIMD8<Float>(repeating: mx)
                        while k + 8 <= q {
                            sum8 += exp8(UnsafeRawPointer(z + k).loadUnaligned(as: SIMD8<Float>.self) - m8)
                            k += 8
                        }
                        var sum = sum8.sum()
                        while k < q { sum += exp(z[k] - mx); k += 1 }
                        dst[cell] = 1 / sum
                    }
                }
            }
        }
        return out
    }

    /// eˣ on 8 lanes for x ≤ 0 (Cephes' `expf`: x = n·ln 2 + r, |r| ≤ ½ ln 2, a degree-6 polynomial
    /// in r, times 2ⁿ built in the exponent bits), within 2 ulp of `exp` down to e⁻⁸⁷, 0 below.
    /// The confidence's 313-bin softmax spent two thirds of its time in the scalar `expf`.
    @inline(__always)
    static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let floor = SIMD8<Float>(repeating: -87)
        let tooSmall = x .< floor
        let xc = x.replacing(with: floor, where: tooSmall)
        let n = (xc * 1.44269504088896341 + 0.5).rounded(.down)
        let r = xc - n * 0.693359375 + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * r * r + r + 1
        // 2ⁿ from the exponent bits. n is a whole number in −126…127: added to 1.5·2²³ it sits in
        // the low bits of the sum's mantissa (no float → integer conversion, which the standard
        // library does lane by lane).
        let bits = unsafeBitCast(n + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
        return (e * scale).replacing(with: 0, where: tooSmall)
    }
}

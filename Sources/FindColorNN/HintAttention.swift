import FindColorParallel
import Foundation

extension Ops {
    /// Content-based propagation of pooled hints (training/findcolor_train/model.py `hint_attention`).
    ///
    /// `query` and `key` are projections (d channels) of the same feature map; `hints` holds the
    /// pooled hints `[a, b, mask]` at the same height and width. Every cell attends over the hinted
    /// cells (mask > 0) of its own image plus one "nothing hinted looks like me" slot of logit
    /// `nullLogit` and colour 0, with weights softmax(q·k / √d), and takes the weighted mean of their
    /// (a, b). Output, 4 channels per cell: `[a, b, tanh(best hint score / 4), weight on the hints]`,
    /// or all zeros for an image without hints. Cost: cells × hinted cells × d multiply-adds.
    ///
    /// `distanceSlope` (v3 models' `hint_attention_distance`; 0 for older ones): each hint score
    /// loses slope × the distance between the two cells in units of the grid's short side, so of two
    /// look-alike regions the nearer one takes more of a hint's colour.
    public static func hintAttention(query: Tensor, key: Tensor, hints: Tensor, nullLogit: Float,
                                     distanceSlope: Float = 0) -> Tensor {
        LayerProfile.record("hint attention \(query.h)×\(query.w)", kind: "hint attention") {
            hintAttentionKernel(query: query, key: key, hints: hints, nullLogit: nullLogit, distanceSlope: distanceSlope)
        }
    }

    static func hintAttentionKernel(query: Tensor, key: Tensor, hints: Tensor, nullLogit: Float,
                                    distanceSlope: Float = 0) -> Tensor {
        precondition(query.shape == key.shape, "hintAttention: query \(query.shape) and key \(key.shape) differ")
        precondition(hints.n == query.n && hints.h == query.h && hints.w == query.w && hints.c == 3,
                     "hintAttention: hints \(hints.shape) do not match the features \(query.shape)")
        let out = Tensor(shape: TensorShape(n: query.n, h: query.h, w: query.w, c: 4))
        let d = query.c, cells = query.h * query.w
        let scale = 1 / Float(d).squareRoot()
        let w = query.w, slopePerCell = distanceSlope / Float(Swift.min(query.h, query.w))
        let pq = UnsafePointer(query.basePointer), pk = UnsafePointer(key.basePointer)
        let ph = UnsafePointer(hints.basePointer), po = out.basePointer
        for b in 0..<query.n {
            let hinted = (0..<cells).filter { ph[(b * cells + $0) * 3 + 2] > 0 }
            if hinted.isEmpty { continue }
            let m = hinted.count
            let keys = hinted.flatMap { cell in (0..<d).map { pk[(b * cells + cell) * d + $0] } }  // m × d
            let colours = hinted.flatMap { cell in [ph[(b * cells + cell) * 3], ph[(b * cells + cell) * 3 + 1]] }
            let hintedY = hinted.map { Float($0 / w) }, hintedX = hinted.map { Float($0 % w) }
            Parallel.forEachRange(cells, minimumChunk: Swift.max(1, 65_536 / Swift.max(1, m * d))) { range in
                var scores = [Float](repeating: 0, count: m)
                keys.withUnsafeBufferPointer { kp in
                    for cell in range {
                        let q = pq + (b * cells + cell) * d
                        let cy = Float(cell / w), cx = Float(cell % w)
                        var best = -Float.infinity  // best hint score
                        for j in 0..<m {
                            let kj = kp.baseAddress! + j * d
                            var s: Float = 0
                            for t in 0..<d { s += q[t] * kj[t] }
                            s *= scale
                            if slopePerCell != 0 {
                                let dy = cy - hintedY[j], dx = cx - hintedX[j]
                                s -= slopePerCell * (dy * dy + dx * dx).squareRoot()
                            }
                            scores[j] = s
                            best = Swift.max(best, s)
                        }
                        let top = Swift.max(best, nullLogit)
                        var hintSum: Float = 0, a: Float = 0, bb: Float = 0
                        for j in 0..<m {
                            let e = Foundation.exp(scores[j] - top)
                            hintSum += e
                            a += e * colours[2 * j]
                            bb += e * colours[2 * j + 1]
                        }
                        let sum = hintSum + Foundation.exp(nullLogit - top)
                        let dst = po + (b * cells + cell) * 4
                        dst[0] = a / sum
                        dst[1] = bb / sum
                        dst[2] = Foundation.tanh(best / 4)
                        dst[3] = hintSum / sum
                    }
                }
            }
        }
        return out
    }
}

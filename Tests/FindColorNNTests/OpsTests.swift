import Foundation
import Testing
@testable import FindColorNN

/// Straightforward implementations of the ops' definitions, to check the kernels against.
enum Naive {
    static func resize(_ x: Tensor, _ outH: Int, _ outW: Int) -> Tensor {
        func source(_ d: Int, _ input: Int, _ output: Int) -> (Int, Int, Double) {
            let s = max((Double(d) + 0.5) * Double(input) / Double(output) - 0.5, 0)
            let i0 = min(Int(s.rounded(.down)), input - 1)
            return (i0, min(i0 + 1, input - 1), s - Double(i0))
        }
        return Tensor(shape: TensorShape(n: x.n, h: outH, w: outW, c: x.c)) { n, y, xx, c in
            let (y0, y1, ly) = source(y, x.h, outH)
            let (x0, x1, lx) = source(xx, x.w, outW)
            let top = (1 - lx) * Double(x[n, y0, x0, c]) + lx * Double(x[n, y0, x1, c])
            let bottom = (1 - lx) * Double(x[n, y1, x0, c]) + lx * Double(x[n, y1, x1, c])
            return Float((1 - ly) * top + ly * bottom)
        }
    }
}

/// The oneDNN paths are called directly (not through the dispatching entry points, which would
/// silently fall back to the reference) so that a failing oneDNN primitive fails the test.
@Suite("Ops")
struct OpsTests {
    static let shapes = [TensorShape(h: 7, w: 9, c: 5), TensorShape(h: 16, w: 16, c: 32),
                         TensorShape(n: 2, h: 3, w: 5, c: 17), TensorShape(h: 1, w: 1, c: 1)]

    @Test("add with and without ReLU", arguments: shapes)
    func add(_ shape: TensorShape) throws {
        let a = Tensor.random(shape, seed: 1), b = Tensor.random(shape, seed: 2)
        for relu in [false, true] {
            let expected = Tensor(shape: shape) { n, y, x, c in
                let s = a[n, y, x, c] + b[n, y, x, c]
                return relu ? max(s, 0) : s
            }
            #expect(Ops.add(a, b, relu: relu, backend: .reference).scalars == expected.scalars)
            #expect(try Ops.addOneDNN(a, b, relu: relu).scalars == expected.scalars)
        }
    }

    @Test("concat along channels", arguments: [Backend.reference, .oneDNN])
    func concat(_ backend: Backend) throws {
        let a = Tensor.random(TensorShape(h: 5, w: 6, c: 3), seed: 1)
        let b = Tensor.random(TensorShape(h: 5, w: 6, c: 16), seed: 2)
        let c = Tensor.random(TensorShape(h: 5, w: 6, c: 1), seed: 3)
        let y = backend == .oneDNN ? try Ops.concatOneDNN([a, b, c]) : Ops.concat([a, b, c], backend: .reference)
        #expect(y.shape == TensorShape(h: 5, w: 6, c: 20))
        let expected = Tensor(shape: y.shape) { n, yy, x, ch in
            ch < 3 ? a[n, yy, x, ch] : ch < 19 ? b[n, yy, x, ch - 3] : c[n, yy, x, ch - 19]
        }
        #expect(y.scalars == expected.scalars)
    }

    @Test("concat of few-channel sources (the element-wise copy paths for 1–4 channels and the generic one)")
    func concatSmallChannels() {
        let widths = [1, 2, 3, 4, 1, 5]  // 16 channels in all: the path for up to 8 is taken for a prefix too
        let sources = widths.enumerated().map { Tensor.random(TensorShape(n: 2, h: 7, w: 9, c: $0.element), seed: UInt64(10 + $0.offset)) }
        for count in [2, 3, 4, 6] {
            let part = Array(sources.prefix(count))
            let y = Ops.concatReference(part)
            let offsets = part.reduce(into: [0]) { $0.append($0.last! + $1.c) }
            let expected = Tensor(shape: y.shape) { n, yy, x, ch in
                let i = offsets.lastIndex { $0 <= ch }!
                return part[i][n, yy, x, ch - offsets[i]]
            }
            #expect(y.scalars == expected.scalars)
        }
    }

    @Test("hint pooling of [a, b, mask] equals the definition at every factor", arguments: [1, 2, 4, 8, 16])
    func hintPoolingMatchesDefinition(_ f: Int) {
        var rng = SplitMix64(seed: UInt64(f))
        let hints = Tensor(shape: TensorShape(n: 2, h: 35, w: 50, c: 3)) { _, _, _, c in
            c == 2 ? (rng.next() % 7 == 0 ? 1 : 0) : Float(Int(rng.next() % 2001) - 1000) / 1000
        }
        let pooled = Ops.hintPool(hints, factor: f)
        #expect(pooled.shape == TensorShape(n: 2, h: 35 / f, w: 50 / f, c: 3))
        for n in 0..<2 {
            for oy in 0..<pooled.h {
                for ox in 0..<pooled.w {
                    var sums: [Double] = [0, 0], mask = 0.0, peak: Float = 0
                    for dy in 0..<f {
                        for dx in 0..<f {
                            let m = hints[n, oy * f + dy, ox * f + dx, 2]
                            mask += Double(m); peak = max(peak, m)
                            for k in 0..<2 { sums[k] += Double(hints[n, oy * f + dy, ox * f + dx, k] * m) }
                        }
                    }
                    for k in 0..<2 {
                        let want = mask == 0 ? 0 : sums[k] / mask
                        #expect(abs(Double(pooled[n, oy, ox, k]) - want) <= 1e-5)
                    }
                    #expect(pooled[n, oy, ox, 2] == peak)
                }
            }
        }
    }

    @Test("the hint pyramid equals hintPool at every factor (2 … 16), batches and odd sizes included")
    func hintPyramidMatchesHintPool() {
        var rng = SplitMix64(seed: 77)
        for (n, h, w) in [(1, 64, 96), (2, 37, 50), (1, 16, 16)] {
            let hints = Tensor(shape: TensorShape(n: n, h: h, w: w, c: 3)) { _, _, _, c in
                c == 2 ? (rng.next() % 5 == 0 ? 1 : 0) : Float(Int(rng.next() % 2001) - 1000) / 1000
            }
            let pyramid = Ops.hintPyramid(hints, largest: 16)
            #expect(pyramid.keys.sorted() == [2, 4, 8, 16])
            for f in [2, 4, 8, 16] {
                let direct = Ops.hintPool(hints, factor: f), level = pyramid[f]!
                #expect(level.shape == direct.shape)
                #expect(maxAbsDifference(level.scalars, direct.scalars) <= 1e-5, "\(n)×\(h)×\(w) /\(f)")
            }
        }
    }

    @Test("bilinear resize (align_corners=False)",
          arguments: [(4, 5, 3, 8, 10), (5, 7, 18, 20, 28), (6, 9, 17, 13, 20), (9, 11, 2, 5, 7), (1, 1, 4, 3, 5),
                      (8, 8, 32, 16, 16), (3, 2, 16, 7, 9)])
    func resize(_ h: Int, _ w: Int, _ c: Int, _ outH: Int, _ outW: Int) throws {
        let x = Tensor.random(TensorShape(h: h, w: w, c: c), seed: UInt64(h * w * c))
        let expected = Naive.resize(x, outH, outW)
        let reference = Ops.resizeBilinear(x, height: outH, width: outW, backend: .reference)
        #expect(relativeError(reference, expected) <= 1e-5)
        let fast = try Ops.resizeBilinearOneDNN(x, height: outH, width: outW)
        #expect(relativeError(fast, reference) <= 1e-4)
    }

    @Test("tanh", arguments: [Backend.reference, .oneDNN])
    func tanh(_ backend: Backend) throws {
        let x = Tensor.random(TensorShape(h: 9, w: 7, c: 3), seed: 9, in: -5...5)
        let expected = x.scalars.map { Foundation.tanh($0) }
        let y = backend == .oneDNN ? try Ops.tanhOneDNN(x) : Ops.tanh(x, backend: .reference)
        #expect(maxAbsDifference(y.scalars, expected) <= 1e-5)
    }

    @Test("hint pooling averages hint values under the mask and max-pools the mask")
    func hintPooling() {
        // Hints at full resolution: [a, b, mask]. Block (0,0) has two hints, block (0,1) none.
        var hints = Tensor(h: 4, w: 4, c: 3)
        hints[0, 0, 0] = 0.5; hints[0, 0, 1] = -0.25; hints[0, 0, 2] = 1
        hints[1, 1, 0] = 0.1; hints[1, 1, 1] = 0.75; hints[1, 1, 2] = 1
        hints[1, 0, 0] = 9; hints[1, 0, 1] = 9      // a value without mask is ignored
        hints[3, 3, 0] = -1; hints[3, 3, 1] = 0.5; hints[3, 3, 2] = 1
        let pooled = Ops.hintPool(hints, factor: 2)
        #expect(pooled.shape == TensorShape(h: 2, w: 2, c: 3))
        #expect(abs(pooled[0, 0, 0] - 0.3) < 1e-6)
        #expect(abs(pooled[0, 0, 1] - 0.25) < 1e-6)
        #expect(pooled[0, 0, 2] == 1)
        #expect(pooled[0, 1, 0] == 0 && pooled[0, 1, 1] == 0 && pooled[0, 1, 2] == 0)
        #expect(pooled[1, 1, 0] == -1 && pooled[1, 1, 1] == 0.5 && pooled[1, 1, 2] == 1)
    }

    @Test("hint attention: softmax over the hinted cells and the null slot, closed form; no hints gives zeros")
    func hintAttention() {
        let shape = TensorShape(h: 3, w: 4, c: 2)
        // Keys: cell (0,0) points along +x, cell (2,3) along +y; queries point along +x everywhere,
        // so every cell scores 4/√2 against the first hint and 0 against the second.
        let query = Tensor(shape: shape) { _, _, _, c in c == 0 ? 1 : 0 }
        var key = Tensor(shape: shape)
        key[0, 0, 0] = 4; key[2, 3, 1] = 4
        let s = 4 / Float(2).squareRoot()
        var one = Tensor(h: 3, w: 4, c: 3)
        one[0, 0, 0] = 0.5; one[0, 0, 1] = -0.25; one[0, 0, 2] = 1
        // One hint, null slot at logit 0: weight on the hint σ(s), colour (0.5, −0.25)·σ(s).
        let single = Ops.hintAttention(query: query, key: key, hints: one, nullLogit: 0)
        let sigma = 1 / (1 + Foundation.exp(-s))
        for y in 0..<3 {
            for x in 0..<4 {
                #expect(abs(single[y, x, 0] - 0.5 * sigma) < 1e-6 && abs(single[y, x, 1] + 0.25 * sigma) < 1e-6)
                #expect(abs(single[y, x, 2] - Foundation.tanh(s / 4)) < 1e-6 && abs(single[y, x, 3] - sigma) < 1e-6)
            }
        }
        // A null slot that never wins leaves the hint's colour everywhere.
        let sure = Ops.hintAttention(query: query, key: key, hints: one, nullLogit: -1e4)
        #expect(sure[1, 2, 0] == 0.5 && sure[1, 2, 1] == -0.25 && sure[1, 2, 3] == 1)
        // Two hints and the null slot at logit 1: weights e^s, e^0, e^1.
        var two = one
        two[2, 3, 0] = -0.5; two[2, 3, 1] = 0.75; two[2, 3, 2] = 1
        let split = Ops.hintAttention(query: query, key: key, hints: two, nullLogit: 1)
        let z = Foundation.exp(s) + 1 + Foundation.exp(1)
        #expect(abs(split[1, 1, 0] - (Foundation.exp(s) * 0.5 - 0.5) / z) < 1e-6)
        #expect(abs(split[1, 1, 1] - (Foundation.exp(s) * -0.25 + 0.75) / z) < 1e-6)
        #expect(abs(split[1, 1, 3] - (Foundation.exp(s) + 1) / z) < 1e-6)
        let none = Ops.hintAttention(query: query, key: key, hints: Tensor(h: 3, w: 4, c: 3), nullLogit: 0)
        #expect(none.scalars.allSatisfy { $0 == 0 })
    }
}

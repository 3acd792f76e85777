import FindColorParallel
import Foundation

/// A 3×3 convolution (stride 1, zero padding 1) from 8 or more channels to 8: the defect
/// detector's last full-resolution layer (`d0`, 24 → 8, which reads the concatenation of the
/// upsampled /2 level and the full-resolution features). oneDNN's direct kernel leaves most of its
/// vector lanes empty on 8 output channels. Here the 8 outputs of a pixel are one 8-lane vector;
/// each input sample is broadcast into a fused multiply-add with its tap's 8 weights, eight pixels
/// at a time (eight independent chains of additions, each weight vector loaded once for them), the
/// output row accumulating tap by tap. The input may be given in parts whose channels follow one
/// another (`run(parts:adding:)`): a convolution of a concatenation reads its parts where they
/// are, and the concatenation is never written. Rows run in parallel. Measured on the detector's
/// four 864×640 searches of a 12 MP photo (`findcolor bench --repair-megapixels 12 --layers`,
/// processes alternated with `FINDCOLOR_OCTET=0` and `1`, 3 rounds, medians, 2026-12-07, AMD EPYC,
/// 2 cores): d0 109 ms against oneDNN's 177 ms plus ~40 ms of its concatenation. On a single input
/// channel (e0, 1 → 8) oneDNN is faster (6.7 against 14.7 ms), hence 8 channels or more. Chosen
/// by `Convolution` on every backend for descriptors that `supports` accepts (unless
/// `FINDCOLOR_OCTET=0`); tested against the naive convolution (`ConvolutionTests.octetKernel`).
final class OctetConvolution: ConvolutionKernel {
    typealias Vec = SIMD8<Float>

    static func supports(_ d: ConvolutionDescriptor) -> Bool {
        d.kernelHeight == 3 && d.kernelWidth == 3 && d.strideY == 1 && d.strideX == 1 && d.groups == 1
            && d.outputChannels == Vec.scalarCount && d.inputChannels >= 8 && d.padding == .explicit(.symmetric(1))
    }

    let descriptor: ConvolutionDescriptor
    /// [(ky · 3 + kx) · inputChannels + c]: the 8 output weights of input channel c at one tap.
    private let taps: [Vec]
    private let bias: Vec
    private let weights: [Float], originalBias: [Float]?

    init(_ d: ConvolutionDescriptor, weights: [Float], bias: [Float]?) {
        precondition(Self.supports(d), "OctetConvolution does not support \(d)")
        descriptor = d
        self.weights = weights
        originalBias = bias
        let C = d.inputChannels
        var t = [Vec](repeating: Vec(), count: 9 * C)
        for o in 0..<8 {
            for c in 0..<C {
                for k in 0..<9 { t[k * C + c][o] = weights[(o * C + c) * 9 + k] }
            }
        }
        taps = t
        var b = Vec()
        if let bias { for o in 0..<8 { b[o] = bias[o] } }
        self.bias = b
    }

    func unpackedParameters() throws -> (weights: [Float], bias: [Float]?) { (weights, originalBias) }

    func run(_ input: Tensor) throws -> Tensor { run(parts: [input], adding: nil) }

    /// activation(convolution of the channel concatenation of `parts` + bias + `residual`): the
    /// parts share N, H and W, and their channels add up to the input channels.
    func run(parts: [Tensor], adding residual: Tensor?) -> Tensor {
        let first = parts[0]
        let N = first.n, H = first.h, W = first.w, C = descriptor.inputChannels
        precondition(parts.allSatisfy { $0.n == N && $0.h == H && $0.w == W } && parts.reduce(0, { $0 + $1.c }) == C,
                     "convolution expects \(C) channels in parts of one size, got \(parts.map(\.shape))")
        let out = Tensor(uninitializedShape: TensorShape(n: N, h: H, w: W, c: 8))
        precondition(residual == nil || residual!.shape == out.shape, "residual \(residual!.shape) does not match \(out.shape)")
        // Each part: its base, its channel count and where its channels start among the input's.
        var offsets: [Int] = []
        var start = 0
        for p in parts {
            offsets.append(start)
            start += p.c
        }
        let sources = parts.map { UnsafePointer($0.basePointer) }
        let counts = parts.map(\.c)
        let dst = UnsafeMutableRawPointer(out.basePointer)
        let add = residual.map { UnsafeRawPointer($0.basePointer) }
        let bias = self.bias, activation = descriptor.activation
        let vec = MemoryLayout<Vec>.stride
        Parallel.forEachRange(N * H, minimumChunk: Swift.max(1, 2048 / Swift.max(1, W))) { rows in
            taps.withUnsafeBufferPointer { w in
                sources.withUnsafeBufferPointer { sources in
                    counts.withUnsafeBufferPointer { counts in
                        offsets.withUnsafeBufferPointer { offsets in
                            for row in rows {
                                let b = row / H, y = row % H
                                // The output row accumulates in place: bias (+ residual), then each
                                // tap and part over the whole row.
                                let o = dst + row * W * vec
                                if let add {
                                    let r = add + row * W * vec
                                    for x in 0..<W { o.storeBytes(of: bias + r.loadUnaligned(fromByteOffset: x * vec, as: Vec.self), toByteOffset: x * vec, as: Vec.self) }
                                } else {
                                    for x in 0..<W { o.storeBytes(of: bias, toByteOffset: x * vec, as: Vec.self) }
                                }
                                for ky in 0..<3 {
                                    let yy = y + ky - 1
                                    guard yy >= 0 && yy < H else { continue }
                                    for kx in 0..<3 {
                                        // The output columns whose input column x + kx − 1 is inside.
                                        let x0 = Swift.max(0, 1 - kx), x1 = Swift.min(W, W + 1 - kx)
                                        let tap = w.baseAddress! + (ky * 3 + kx) * C
                                        for p in 0..<sources.count {
                                            let cp = counts[p], wp = tap + offsets[p]
                                            let src = sources[p] + ((b * H + yy) * W + kx - 1) * cp
                                            // Eight pixels at a time: eight independent chains of
                                            // multiply-adds (one chain waits on each add's latency),
                                            // each weight vector loaded once for the eight.
                                            var x = x0
                                            while x + 8 <= x1 {
                                                let ob = x * vec
                                                var a0 = o.loadUnaligned(fromByteOffset: ob, as: Vec.self)
                                                var a1 = o.loadUnaligned(fromByteOffset: ob + vec, as: Vec.self)
                                                var a2 = o.loadUnaligned(fromByteOffset: ob + 2 * vec, as: Vec.self)
                                                var a3 = o.loadUnaligned(fromByteOffset: ob + 3 * vec, as: Vec.self)
                                                var a4 = o.loadUnaligned(fromByteOffset: ob + 4 * vec, as: Vec.self)
                                                var a5 = o.loadUnaligned(fromByteOffset: ob + 5 * vec, as: Vec.self)
                                                var a6 = o.loadUnaligned(fromByteOffset: ob + 6 * vec, as: Vec.self)
                                                var a7 = o.loadUnaligned(fromByteOffset: ob + 7 * vec, as: Vec.self)
                                                let sx = src + x * cp
                                                for c in 0..<cp {
                                                    let k = wp[c]
                                                    a0.addProduct(Vec(repeating: sx[c]), k)
                                                    a1.addProduct(Vec(repeating: sx[cp + c]), k)
                                                    a2.addProduct(Vec(repeating: sx[2 * cp + c]), k)
                                                    a3.addProduct(Vec(repeating: sx[3 * cp + c]), k)
                                                    a4.addProduct(Vec(repeating: sx[4 * cp + c]), k)
                                                    a5.addProduct(Vec(repeating: sx[5 * cp + c]), k)
                                                    a6.addProduct(Vec(repeating: sx[6 * cp + c]), k)
                                                    a7.addProduct(Vec(repeating: sx[7 * cp + c]), k)
                                                }
                                                o.storeBytes(of: a0, toByteOffset: ob, as: Vec.self)
                                                o.storeBytes(of: a1, toByteOffset: ob + vec, as: Vec.self)
                                                o.storeBytes(of: a2, toByteOffset: ob + 2 * vec, as: Vec.self)
                                                o.storeBytes(of: a3, toByteOffset: ob + 3 * vec, as: Vec.self)
                                                o.storeBytes(of: a4, toByteOffset: ob + 4 * vec, as: Vec.self)
                                                o.storeBytes(of: a5, toByteOffset: ob + 5 * vec, as: Vec.self)
                                                o.storeBytes(of: a6, toByteOffset: ob + 6 * vec, as: Vec.self)
                                                o.storeBytes(of: a7, toByteOffset: ob + 7 * vec, as: Vec.self)
                                                x += 8
                                            }
                                            while x < x1 {
                                                var a = o.loadUnaligned(fromByteOffset: x * vec, as: Vec.self)
                                                let sx = src + x * cp
                                                for c in 0..<cp { a.addProduct(Vec(repeating: sx[c]), wp[c]) }
                                                o.storeBytes(of: a, toByteOffset: x * vec, as: Vec.self)
                                                x += 1
                                            }
                                        }
                                    }
                                }
                                applyActivation(activation, o.assumingMemoryBound(to: Float.self), W * 8)
                            }
                        }
                    }
                }
            }
        }
        withExtendedLifetime(parts) {}
        withExtendedLifetime(residual) {}
        return out
    }
}

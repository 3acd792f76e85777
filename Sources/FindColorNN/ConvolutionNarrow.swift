import FindColorParallel
import Foundation

/// A 3×3 convolution (stride 1, zero padding 1) from 16 channels to 2: the network's last layer
/// (`decoder.refine2`, full resolution → ab). Both oneDNN (8.1 ms at 512², 19 GFLOP/s: two output
/// channels leave its vector lanes empty) and the general reference kernel (SIMD over output
/// channels) waste most of the machine on it; here each input pixel is one 16-lane vector, so a
/// pixel costs 18 fused multiply-adds and two horizontal sums. Rows run in parallel. Chosen by
/// `Convolution` on every backend for descriptors that `supports` accepts; tested against the
/// naive convolution.
final class NarrowConvolution: ConvolutionKernel {
    typealias Vec = SIMD16<Float>

    static func supports(_ d: ConvolutionDescriptor) -> Bool {
        d.kernelHeight == 3 && d.kernelWidth == 3 && d.strideY == 1 && d.strideX == 1 && d.groups == 1
            && d.inputChannels == Vec.scalarCount && d.outputChannels == 2 && d.padding == .explicit(.symmetric(1))
    }

    let descriptor: ConvolutionDescriptor
    /// [output][ky · 3 + kx]: the 16 input-channel weights of one tap.
    private let taps: [[Vec]]
    private let bias: (Float, Float)
    private let weights: [Float], originalBias: [Float]?

    init(_ d: ConvolutionDescriptor, weights: [Float], bias: [Float]?) {
        precondition(Self.supports(d), "NarrowConvolution does not support \(d)")
        descriptor = d
        self.weights = weights
        originalBias = bias
        // OIHW → per output, per tap, a vector over the input channels.
        taps = (0..<2).map { o in
            (0..<9).map { t in
                var v = Vec()
                for c in 0..<16 { v[c] = weights[((o * 16 + c) * 3 + t / 3) * 3 + t % 3] }
                return v
            }
        }
        self.bias = (bias?[0] ?? 0, bias?[1] ?? 0)
    }

    func unpackedParameters() throws -> (weights: [Float], bias: [Float]?) { (weights, originalBias) }

    func run(_ input: Tensor) throws -> Tensor { run(input, adding: nil) }

    /// activation(convolution + `residual`) (the network's last step: tanh(coarse ab + refine2)),
    /// the addition in the same pass over the output.
    func run(_ input: Tensor, adding residual: Tensor?) -> Tensor {
        let H = input.h, W = input.w
        let out = Tensor(uninitializedShape: TensorShape(n: input.n, h: H, w: W, c: 2))
        precondition(residual == nil || residual!.shape == out.shape, "residual \(residual!.shape) does not match \(out.shape)")
        let src = UnsafeRawPointer(input.basePointer), dst = out.basePointer
        let add = residual.map { UnsafePointer($0.basePointer) }
        let t0 = taps[0], t1 = taps[1], (b0, b1) = bias
        let activation = descriptor.activation
        Parallel.forEachRange(input.n * H, minimumChunk: Swift.max(1, 4096 / Swift.max(1, W))) { rows in
            t0.withUnsafeBufferPointer { w0 in
                t1.withUnsafeBufferPointer { w1 in
                    for row in rows {
                        let b = row / H, y = row % H
                        let image = src + b * H * W * 16 * MemoryLayout<Float>.stride
                        let outRow = dst + row * W * 2
                        for x in 0..<W {
                            var a0 = Vec(), a1 = Vec()
                            for ky in 0..<3 {
                                let yy = y + ky - 1
                                guard yy >= 0 && yy < H else { continue }
                                for kx in 0..<3 {
                                    let xx = x + kx - 1
                                    guard xx >= 0 && xx < W else { continue }
                                    let v = image.loadUnaligned(fromByteOffset: (yy * W + xx) * 16 * MemoryLayout<Float>.stride, as: Vec.self)
                                    a0.addProduct(v, w0[ky * 3 + kx])
                                    a1.addProduct(v, w1[ky * 3 + kx])
                                }
                            }
                            outRow[2 * x] = a0.sum() + b0
                            outRow[2 * x + 1] = a1.sum() + b1
                        }
                        if let add {
                            let r = add + row * W * 2
                            for i in 0..<W * 2 { outRow[i] += r[i] }
                        }
                        applyActivation(activation, outRow, W * 2)
                    }
                }
            }
        }
        withExtendedLifetime(residual) {}
        return out
    }
}

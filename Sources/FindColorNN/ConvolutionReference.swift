import FindColorParallel
import Foundation

/// The pure-Swift convolution: NHWC direct convolution, SIMD over output channels (dense and
/// grouped) or over channels (depthwise), multithreaded over output rows.
final class ReferenceConvolution: ConvolutionKernel {
    typealias Vec = SIMD16<Float>
    static let lanes = Vec.scalarCount
    /// Output pixels computed together by the dense micro-kernel (6 × 16 accumulators fit the
    /// sixteen AVX2 registers with room for a weight vector and a broadcast).
    static let tileWidth = 6
    typealias DepthVec = SIMD8<Float>

    let descriptor: ConvolutionDescriptor
    private let cinPerGroup: Int
    private let coutPerGroup: Int
    /// Output-channel blocks of 16 per group (dense kernel).
    private let blocksPerGroup: Int
    /// Dense: [group][block][ky][kx][cinPerGroup][16] (output channels padded with zero filters).
    /// Depthwise: [ky][kx][channels].
    private let packedWeights: AlignedBuffer
    /// Dense: [group][block][16] (zero padded). Depthwise: [channels].
    private let packedBias: AlignedBuffer
    private let originalBias: [Float]?

    init(_ d: ConvolutionDescriptor, weights: [Float], bias: [Float]?) {
        let lanes = ReferenceConvolution.lanes
        let cinPerGroup = d.inputChannelsPerGroup, coutPerGroup = d.outputChannelsPerGroup
        let blocksPerGroup = (coutPerGroup + lanes - 1) / lanes
        descriptor = d
        self.cinPerGroup = cinPerGroup
        self.coutPerGroup = coutPerGroup
        self.blocksPerGroup = blocksPerGroup
        originalBias = bias
        let taps = d.kernelHeight * d.kernelWidth
        let packed: AlignedBuffer, packedBiases: AlignedBuffer
        if d.isDepthwise {
            let c = d.outputChannels
            packed = AlignedBuffer(count: taps * c)
            for ch in 0..<c {
                for t in 0..<taps { packed.pointer[t * c + ch] = weights[ch * taps + t] }
            }
            packedBiases = AlignedBuffer(bias ?? [Float](repeating: 0, count: c))
        } else {
            let blockStride = taps * cinPerGroup * lanes
            packed = AlignedBuffer(count: d.groups * blocksPerGroup * blockStride)
            packedBiases = AlignedBuffer(count: d.groups * blocksPerGroup * lanes)
            for g in 0..<d.groups {
                for oc in 0..<coutPerGroup {
                    let o = g * coutPerGroup + oc
                    let block = g * blocksPerGroup + oc / lanes, lane = oc % lanes
                    packedBiases.pointer[block * lanes + lane] = bias?[o] ?? 0
                    for ic in 0..<cinPerGroup {
                        for t in 0..<taps {
                            packed.pointer[block * blockStride + (t * cinPerGroup + ic) * lanes + lane] =
                                weights[(o * cinPerGroup + ic) * taps + t]
                        }
                    }
                }
            }
        }
        packedWeights = packed
        packedBias = packedBiases
    }

    func unpackedParameters() throws -> (weights: [Float], bias: [Float]?) {
        let d = descriptor, taps = d.kernelHeight * d.kernelWidth
        var weights = [Float](repeating: 0, count: d.weightCount)
        if d.isDepthwise {
            let c = d.outputChannels
            for ch in 0..<c {
                for t in 0..<taps { weights[ch * taps + t] = packedWeights.pointer[t * c + ch] }
            }
        } else {
            let blockStride = taps * cinPerGroup * Self.lanes
            for o in 0..<d.outputChannels {
                let g = o / coutPerGroup, oc = o % coutPerGroup
                let block = g * blocksPerGroup + oc / Self.lanes, lane = oc % Self.lanes
                for ic in 0..<cinPerGroup {
                    for t in 0..<taps {
                        weights[(o * cinPerGroup + ic) * taps + t] =
                            packedWeights.pointer[block * blockStride + (t * cinPerGroup + ic) * Self.lanes + lane]
                    }
                }
            }
        }
        return (weights, originalBias)
    }

    func run(_ input: Tensor) throws -> Tensor {
        let pad = descriptor.padding(for: input.shape)
        let outShape = descriptor.outputShape(for: input.shape)!
        let output = Tensor(uninitializedShape: outShape)
        if descriptor.isDepthwise {
            runDepthwise(input, output, pad)
        } else {
            runDense(input, output, pad)
        }
        return output
    }

    // MARK: Dense and grouped convolution

    private func runDense(_ input: Tensor, _ output: Tensor, _ pad: ConvPadding) {
        let d = descriptor
        let kh = d.kernelHeight, kw = d.kernelWidth, sy = d.strideY, sx = d.strideX
        let h = input.h, w = input.w, cin = d.inputChannels, cout = d.outputChannels
        let oh = output.h, ow = output.w
        let cinG = cinPerGroup, coutG = coutPerGroup, blocks = blocksPerGroup
        // Rows are read in place unless they need horizontal zero padding or a channel slice.
        let copyRows = d.groups > 1 || pad.left > 0 || pad.right > 0
        let paddedWidth = w + pad.left + pad.right
        let blockStride = kh * kw * cinG * Self.lanes
        let src = UnsafePointer(input.basePointer), dst = output.basePointer
        let weights = UnsafePointer(packedWeights.pointer), bias = UnsafePointer(packedBias.pointer)
        let activation = d.activation
        let tile = Self.tileWidth
        let work = cout * cinG * kh * kw * ow
        Parallel.forEachRange(output.n * oh, minimumChunk: Swift.max(1, 1 << 20 / Swift.max(work, 1))) { rows in
            let scratch = copyRows ? AlignedBuffer(count: kh * paddedWidth * cinG) : nil
            let rowPointers = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: kh)
            defer { rowPointers.deallocate() }
            let pixelStride = copyRows ? cinG : cin
            for r in rows {
                let b = r / oh, oy = r % oh
                for g in 0..<d.groups {
                    for ky in 0..<kh {
                        let iy = oy * sy - pad.top + ky
                        guard iy >= 0 && iy < h else { rowPointers[ky] = nil; continue }
                        let inRow = src + (b * h + iy) * w * cin
                        if let scratch {
                            let padded = scratch.pointer + ky * paddedWidth * cinG
                            let interior = padded + pad.left * cinG
                            if cinG == cin {
                                interior.update(from: inRow, count: w * cin)
                            } else {
                                for ix in 0..<w {
                                    (interior + ix * cinG).update(from: inRow + ix * cin + g * cinG, count: cinG)
                                }
                            }
                            rowPointers[ky] = UnsafePointer(padded)
                        } else {
                            rowPointers[ky] = inRow
                        }
                    }
                    let outRow = dst + (b * oh + oy) * ow * cout + g * coutG
                    for block in 0..<blocks {
                        let blockIndex = g * blocks + block
                        let wBlock = weights + blockIndex * blockStride
                        let biasVec = load(Vec.self, bias + blockIndex * Self.lanes)
                        let valid = Swift.min(Self.lanes, coutG - block * Self.lanes)
                        let out = outRow + block * Self.lanes
                        var ox = 0
                        while ox + tile <= ow {
                            Self.denseTile6(rowPointers, kh, kw, ox * sx, sx, pixelStride, cinG, wBlock, biasVec,
                                            out + ox * cout, cout, valid)
                            ox += tile
                        }
                        while ox < ow {
                            Self.denseTile1(rowPointers, kh, kw, ox * sx, pixelStride, cinG, wBlock, biasVec,
                                            out + ox * cout, valid)
                            ox += 1
                        }
                    }
                }
                applyActivation(activation, dst + (b * oh + oy) * ow * cout, ow * cout)
            }
        }
    }

    /// Six adjacent output pixels × 16 output channels.
    @inline(__always)
    private static func denseTile6(_ rows: UnsafePointer<UnsafePointer<Float>?>, _ kh: Int, _ kw: Int,
                                   _ column: Int, _ stride: Int, _ pixelStride: Int, _ cin: Int,
                                   _ weights: UnsafePointer<Float>, _ bias: Vec,
                                   _ out: UnsafeMutablePointer<Float>, _ outPixelStride: Int, _ valid: Int) {
        var a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias
        let step = stride * pixelStride
        for ky in 0..<kh {
            guard let row = rows[ky] else { continue }
            for kx in 0..<kw {
                let x0 = row + (column + kx) * pixelStride
                let x1 = x0 + step, x2 = x1 + step, x3 = x2 + step, x4 = x3 + step, x5 = x4 + step
                let wp = weights + (ky * kw + kx) * cin * lanes
                for ic in 0..<cin {
                    let wv = load(Vec.self, wp + ic * lanes)
                    a0 = a0.addingProduct(Vec(repeating: x0[ic]), wv)
                    a1 = a1.addingProduct(Vec(repeating: x1[ic]), wv)
                    a2 = a2.addingProduct(Vec(repeating: x2[ic]), wv)
                    a3 = a3.addingProduct(Vec(repeating: x3[ic]), wv)
                    a4 = a4.addingProduct(Vec(repeating: x4[ic]), wv)
                    a5 = a5.addingProduct(Vec(repeating: x5[ic]), wv)
                }
            }
        }
        store(a0, out, count: valid)
        store(a1, out + outPixelStride, count: valid)
        store(a2, out + 2 * outPixelStride, count: valid)
        store(a3, out + 3 * outPixelStride, count: valid)
        store(a4, out + 4 * outPixelStride, count: valid)
        store(a5, out + 5 * outPixelStride, count: valid)
    }

    /// One output pixel × 16 output channels (row remainders).
    @inline(__always)
    private static func denseTile1(_ rows: UnsafePointer<UnsafePointer<Float>?>, _ kh: Int, _ kw: Int,
                                   _ column: Int, _ pixelStride: Int, _ cin: Int,
                                   _ weights: UnsafePointer<Float>, _ bias: Vec,
                                   _ out: UnsafeMutablePointer<Float>, _ valid: Int) {
        var a0 = bias
        for ky in 0..<kh {
            guard let row = rows[ky] else { continue }
            for kx in 0..<kw {
                let x0 = row + (column + kx) * pixelStride
                let wp = weights + (ky * kw + kx) * cin * lanes
                for ic in 0..<cin {
                    a0 = a0.addingProduct(Vec(repeating: x0[ic]), load(Vec.self, wp + ic * lanes))
                }
            }
        }
        store(a0, out, count: valid)
    }

    // MARK: Depthwise convolution

    private func runDepthwise(_ input: Tensor, _ output: Tensor, _ pad: ConvPadding) {
        let d = descriptor
        let kh = d.kernelHeight, kw = d.kernelWidth, sy = d.strideY, sx = d.strideX
        let h = input.h, w = input.w, c = d.inputChannels
        let oh = output.h, ow = output.w
        let src = UnsafePointer(input.basePointer), dst = output.basePointer
        let weights = UnsafePointer(packedWeights.pointer), bias = UnsafePointer(packedBias.pointer)
        let activation = d.activation
        let vl = DepthVec.scalarCount
        let vectorChannels = c - c % vl
        // Output columns whose receptive field lies inside the input horizontally.
        let firstInterior = Swift.min(ow, (pad.left + sx - 1) / sx)
        let lastInterior = w - kw + pad.left >= 0 ? Swift.min(ow, (w - kw + pad.left) / sx + 1) : 0
        let interiorEnd = Swift.max(firstInterior, lastInterior)
        let work = c * kh * kw * ow
        Parallel.forEachRange(output.n * oh, minimumChunk: Swift.max(1, 1 << 18 / Swift.max(work, 1))) { rows in
            for r in rows {
                let b = r / oh, oy = r % oh
                let iy0 = oy * sy - pad.top
                let kyStart = Swift.max(0, -iy0), kyEnd = Swift.max(kyStart, Swift.min(kh, h - iy0))
                let inBase = src + b * h * w * c
                let outRow = dst + (b * oh + oy) * ow * c
                let fast3x3 = kh == 3 && kw == 3 && kyStart == 0 && kyEnd == 3
                var cb = 0
                while cb < vectorChannels {
                    let biasVec = load(DepthVec.self, bias + cb)
                    if fast3x3 {
                        for ox in 0..<firstInterior {
                            Self.depthwisePixel(inBase, w, c, iy0, kyStart, kyEnd, ox * sx - pad.left, kw, weights,
                                                biasVec, cb, outRow + ox * c + cb)
                        }
                        Self.depthwise3x3Interior(inBase + iy0 * w * c, w, c, firstInterior, interiorEnd, sx, pad.left,
                                                  weights, biasVec, cb, outRow)
                        for ox in interiorEnd..<ow {
                            Self.depthwisePixel(inBase, w, c, iy0, kyStart, kyEnd, ox * sx - pad.left, kw, weights,
                                                biasVec, cb, outRow + ox * c + cb)
                        }
                    } else {
                        for ox in 0..<ow {
                            Self.depthwisePixel(inBase, w, c, iy0, kyStart, kyEnd, ox * sx - pad.left, kw, weights,
                                                biasVec, cb, outRow + ox * c + cb)
                        }
                    }
                    cb += vl
                }
                // Channels left over after the vector blocks.
                for ch in vectorChannels..<c {
                    for ox in 0..<ow {
                        let ix0 = ox * sx - pad.left
                        var acc = bias[ch]
                        for ky in kyStart..<kyEnd {
                            let rowBase = inBase + (iy0 + ky) * w * c
                            for kx in Swift.max(0, -ix0)..<Swift.max(Swift.max(0, -ix0), Swift.min(kw, w - ix0)) {
                                acc += rowBase[(ix0 + kx) * c + ch] * weights[(ky * kw + kx) * c + ch]
                            }
                        }
                        outRow[ox * c + ch] = acc
                    }
                }
                applyActivation(activation, outRow, ow * c)
            }
        }
    }

    /// One output pixel of 8 channels with bounds checks (borders and kernels other than 3×3).
    @inline(__always)
    private static func depthwisePixel(_ input: UnsafePointer<Float>, _ w: Int, _ c: Int, _ iy0: Int,
                                       _ kyStart: Int, _ kyEnd: Int, _ ix0: Int, _ kw: Int,
                                       _ weights: UnsafePointer<Float>, _ bias: DepthVec, _ cb: Int,
                                       _ out: UnsafeMutablePointer<Float>) {
        var acc = bias
        let kxStart = Swift.max(0, -ix0), kxEnd = Swift.max(kxStart, Swift.min(kw, w - ix0))
        for ky in kyStart..<kyEnd {
            let row = input + (iy0 + ky) * w * c + cb
            for kx in kxStart..<kxEnd {
                acc = acc.addingProduct(load(DepthVec.self, row + (ix0 + kx) * c),
                                        load(DepthVec.self, weights + (ky * kw + kx) * c + cb))
            }
        }
        store(acc, out)
    }

    /// Output columns `start..<end` of one row, 8 channels, 3×3 kernel held in registers.
    @inline(__always)
    private static func depthwise3x3Interior(_ topRow: UnsafePointer<Float>, _ w: Int, _ c: Int,
                                             _ start: Int, _ end: Int, _ stride: Int, _ padLeft: Int,
                                             _ weights: UnsafePointer<Float>, _ bias: DepthVec, _ cb: Int,
                                             _ outRow: UnsafeMutablePointer<Float>) {
        let wp = weights + cb
        let w00 = load(DepthVec.self, wp), w01 = load(DepthVec.self, wp + c), w02 = load(DepthVec.self, wp + 2 * c)
        let w10 = load(DepthVec.self, wp + 3 * c), w11 = load(DepthVec.self, wp + 4 * c)
        let w12 = load(DepthVec.self, wp + 5 * c)
        let w20 = load(DepthVec.self, wp + 6 * c), w21 = load(DepthVec.self, wp + 7 * c)
        let w22 = load(DepthVec.self, wp + 8 * c)
        let rowStride = w * c
        var ox = start
        while ox < end {
            let p0 = topRow + (ox * stride - padLeft) * c + cb
            let p1 = p0 + rowStride, p2 = p1 + rowStride
            var acc = bias
            acc = acc.addingProduct(load(DepthVec.self, p0), w00)
            acc = acc.addingProduct(load(DepthVec.self, p0 + c), w01)
            acc = acc.addingProduct(load(DepthVec.self, p0 + 2 * c), w02)
            acc = acc.addingProduct(load(DepthVec.self, p1), w10)
            acc = acc.addingProduct(load(DepthVec.self, p1 + c), w11)
            acc = acc.addingProduct(load(DepthVec.self, p1 + 2 * c), w12)
            acc = acc.addingProduct(load(DepthVec.self, p2), w20)
            acc = acc.addingProduct(load(DepthVec.self, p2 + c), w21)
            acc = acc.addingProduct(load(DepthVec.self, p2 + 2 * c), w22)
            store(acc, outRow + ox * c + cb)
            ox += 1
        }
    }
}

// MARK: File-local SIMD helpers
// Kept in this file on purpose: debug builds compile files separately (no whole-module
// optimisation), and only generics visible in the same file get specialised and inlined.

@inline(__always)
private func load<V: SIMD>(_ type: V.Type, _ p: UnsafePointer<Float>) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always)
private func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// Stores the first `count` lanes of `v` (all of them when `count >= V.scalarCount`).
@inline(__always)
private func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>, count: Int) where V.Scalar == Float {
    if count >= V.scalarCount {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    } else {
        for i in 0..<count { p[i] = v[i] }
    }
}

/// Applies the activation in place to one output row. A plain loop over memory, which the
/// compiler vectorises (min/max on SIMD values stay function calls in debug builds).
@inline(__always)
func applyActivation(_ activation: Activation, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    switch activation {
    case .none:
        return
    case .relu:
        for i in 0..<count {
            let x = p[i]
            p[i] = x > 0 ? x : 0
        }
    case .relu6:
        for i in 0..<count {
            let x = p[i]
            p[i] = x > 0 ? (x < 6 ? x : 6) : 0
        }
    case .tanh:
        for i in 0..<count { p[i] = Foundation.tanh(p[i]) }
    }
}

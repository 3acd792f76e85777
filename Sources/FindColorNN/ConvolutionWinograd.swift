import CDNNL
import FindColorParallel
import Foundation

/// 3×3 stride-1 convolutions by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray 2016):
/// each 4×4 block of output pixels comes from a 6×6 block of input through
/// `Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A`, so the multiply-adds over channels become 36 matrix products
/// (one per position of the 6×6 transformed block) of [tiles × Cin] by [Cin × Cout]: 36 multiplies
/// per 16 outputs and input channel instead of 144, a quarter of the direct convolution's.
///
/// The transforms run in Swift on 8-channel vectors (NHWC keeps a pixel's channels together), the
/// 36 products in one batched oneDNN matmul, over blocks of `tilesPerBlock` tiles so that the
/// transformed blocks stay in cache. The decoder's wide 3×3 layers (`d4`, `d8`, `d16`) are where
/// the network spends most of its time; see `FindColorNetwork` and docs/speed.md.
///
/// Numerics: the transforms mix values with weights up to 8 (Aᵀ) and 5 (Bᵀ), so rounding errors are
/// larger than the direct convolution's (tested against the naive convolution at 1e-5 of the
/// output's scale, and the whole network against PyTorch's goldens).
final class WinogradConvolution: ConvolutionKernel {
    typealias Vec = SIMD8<Float>
    static let lanes = 8
    /// Tiles transformed and multiplied together (36 × 128 × 128 floats of transformed input: 2.4 MB).
    static let tilesPerBlock = 128

    let descriptor: ConvolutionDescriptor
    /// Channels rounded up to whole vectors (the padding is zero in the transformed weights).
    private let kPadded: Int, nPadded: Int
    /// U = G g Gᵀ: [36][kPadded][nPadded].
    private let transformedWeights: AlignedBuffer
    private let bias: [Float]
    private let originalWeights: [Float]
    private let originalBias: [Float]?

    /// Whether this kernel computes `d` (3×3, stride 1, not grouped, zero padding ≤ 2 on every side).
    static func supports(_ d: ConvolutionDescriptor) -> Bool {
        guard d.kernelHeight == 3, d.kernelWidth == 3, d.strideY == 1, d.strideX == 1, d.groups == 1 else { return false }
        guard case .explicit(let p) = d.padding, max(p.top, p.left, p.bottom, p.right) <= 2 else { return false }
        switch d.activation {
        case .none, .relu, .relu6: return true
        case .tanh: return false
        }
    }

    init(_ d: ConvolutionDescriptor, weights: [Float], bias: [Float]?) {
        precondition(Self.supports(d))
        descriptor = d
        let cin = d.inputChannels, cout = d.outputChannels
        kPadded = (cin + Self.lanes - 1) / Self.lanes * Self.lanes
        nPadded = (cout + Self.lanes - 1) / Self.lanes * Self.lanes
        originalWeights = weights
        originalBias = bias
        self.bias = (bias ?? [Float](repeating: 0, count: cout)) + [Float](repeating: 0, count: nPadded - cout)
        transformedWeights = AlignedBuffer(count: 36 * kPadded * nPadded)
        let G: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                             [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        for o in 0..<cout {
            for i in 0..<cin {
                let g = (0..<9).map { Double(weights[(o * cin + i) * 9 + $0]) }
                // G g (6×3), then (G g) Gᵀ (6×6), in double precision.
                var gg = [Double](repeating: 0, count: 18)
                for r in 0..<6 { for c in 0..<3 { gg[r * 3 + c] = (0..<3).reduce(0) { $0 + G[r][$1] * g[$1 * 3 + c] } } }
                for r in 0..<6 {
                    for c in 0..<6 {
                        let u = (0..<3).reduce(0) { $0 + gg[r * 3 + $1] * G[c][$1] }
                        transformedWeights.pointer[((r * 6 + c) * kPadded + i) * nPadded + o] = Float(u)
                    }
                }
            }
        }
    }

    func unpackedParameters() throws -> (weights: [Float], bias: [Float]?) { (originalWeights, originalBias) }

    func run(_ input: Tensor) throws -> Tensor { try run(parts: [input]) }

    /// Whether `run(parts:)` reads these parts in place: each 8-channel vector of the input lies in
    /// one part (every part but the last has a multiple of 8 channels).
    static func readsInPlace(_ parts: [Tensor]) -> Bool {
        parts.dropLast().allSatisfy { $0.c % lanes == 0 }
    }

    /// The convolution of the channel concatenation of `parts` (same N, H, W; channels adding up to
    /// the input's; `readsInPlace`), read where they are: the concatenation is never written.
    func run(parts: [Tensor]) throws -> Tensor {
        let d = descriptor
        let input = parts[0]
        precondition(Self.readsInPlace(parts) && parts.allSatisfy { $0.n == input.n && $0.h == input.h && $0.w == input.w }
                     && parts.reduce(0, { $0 + $1.c }) == d.inputChannels,
                     "Winograd convolution expects \(d.inputChannels) channels in parts of one size, got \(parts.map(\.shape))")
        let inputShape = TensorShape(n: input.n, h: input.h, w: input.w, c: d.inputChannels)
        guard let outShape = d.outputShape(for: inputShape) else {
            throw NNError.invalidConfiguration("input \(inputShape) smaller than the kernel")
        }
        let pad = d.padding(for: inputShape)
        let output = Tensor(uninitializedShape: outShape)
        let H = input.h, W = input.w, cout = d.outputChannels
        // Each 8-channel vector of the input: its part's base pointer, that part's channel count,
        // the vector's first channel in it, and how many of its lanes hold channels.
        var vectors: [(base: UnsafeMutablePointer<Float>, channels: Int, first: Int, lanes: Int)] = []
        do {
            var part = 0, firstOfPart = 0
            for c in stride(from: 0, to: kPadded, by: Self.lanes) {
                while part + 1 < parts.count && c >= firstOfPart + parts[part].c {
                    firstOfPart += parts[part].c
                    part += 1
                }
                let local = c - firstOfPart, channels = parts[part].c
                vectors.append((parts[part].basePointer, channels, local, max(0, min(Self.lanes, channels - local))))
            }
        }
        let OH = outShape.h, OW = outShape.w
        let tilesX = (OW + 3) / 4, tilesY = (OH + 3) / 4, tiles = tilesX * tilesY
        let block = min(Self.tilesPerBlock, tiles), K = kPadded, N = nPadded
        let V = AlignedBuffer(count: 36 * block * K, zeroed: false)
        let M = AlignedBuffer(count: 36 * block * N, zeroed: false)
        let lo: Float = 0, hi: Float = d.activation == .relu6 ? 6 : .infinity
        let clamp = d.activation != .none
        let dst = output.basePointer, U = transformedWeights.pointer
        let vp = V.pointer, mp = M.pointer
        let biasVectors = stride(from: 0, to: N, by: Self.lanes).map { Vec(bias[$0..<$0 + Self.lanes]) }
        let matmulKey = "winograd matmul 36×\(block)×\(K)×\(N)"
        let matmulArguments = try Self.matmulDescriptors(block: block, k: K, n: N)
        for n in 0..<input.n {
            let outBase = dst + n * OH * OW * cout
            for first in stride(from: 0, to: tiles, by: block) {
                let count = min(block, tiles - first)
                // 1. Bᵀ d B for each tile of the block (zero beyond the input, and for the padding tiles).
                Parallel.forEachChunk(count: block, workPerItem: 36 * K * 4) { range in
                    let d6 = UnsafeMutablePointer<Vec>.allocate(capacity: 36)
                    defer { d6.deallocate() }
                    for b in range {
                        let t = first + b
                        let ty = t / tilesX, tx = t % tilesX
                        let y0 = ty * 4 - pad.top, x0 = tx * 4 - pad.left
                        for c in stride(from: 0, to: K, by: Self.lanes) {
                            let part = vectors[c / Self.lanes]
                            let full = part.lanes == Self.lanes, pc = part.channels
                            let inBase = part.base + n * H * W * pc + part.first
                            for r in 0..<6 {
                                let y = y0 + r
                                for q in 0..<6 {
                                    let x = x0 + q
                                    if b < count, y >= 0, y < H, x >= 0, x < W {
                                        let p = inBase + (y * W + x) * pc
                                        if full {
                                            d6[r * 6 + q] = UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
                                        } else {
                                            var v = Vec()
                                            for l in 0..<part.lanes { v[l] = p[l] }
                                            d6[r * 6 + q] = v
                                        }
                                    } else {
                                        d6[r * 6 + q] = Vec()
                                    }
                                }
                            }
                            Self.inputTransform(d6)
                            for pos in 0..<36 {
                                UnsafeMutableRawPointer(vp + (pos * block + b) * K + c).storeBytes(of: d6[pos], as: Vec.self)
                            }
                        }
                    }
                }
                // 2. The 36 products [block × K] · [K × N].
                try OneDNNOpCache.run(matmulKey, [vp, U, mp]) { runtime in
                    var desc = dnnl_matmul_desc_t()
                    var (s, w, o) = matmulArguments
                    try dnnlCheck(dnnl_matmul_desc_init(&desc, &s, &w, nil, &o), "matmul descriptor")
                    return try OneDNNOpCache.compile(desc, name: "matmul",
                                                     arguments: [(OneDNNArg.src, s), (OneDNNArg.weights, w), (OneDNNArg.dst, o)],
                                                     runtime: runtime)
                }
                // 3. Aᵀ m A, bias and activation, into the output pixels of each tile.
                Parallel.forEachChunk(count: count, workPerItem: 36 * N * 4) { range in
                    let m6 = UnsafeMutablePointer<Vec>.allocate(capacity: 36 + 24)
                    defer { m6.deallocate() }
                    for b in range {
                        let t = first + b
                        let ty = t / tilesX, tx = t % tilesX
                        for c in stride(from: 0, to: N, by: Self.lanes) {
                            for pos in 0..<36 {
                                m6[pos] = UnsafeRawPointer(mp + (pos * block + b) * N + c).loadUnaligned(as: Vec.self)
                            }
                            Self.outputTransform(m6, scratch: m6 + 36)
                            let bv = biasVectors[c / Self.lanes]
                            let full = c + Self.lanes <= cout
                            for r in 0..<4 {
                                let y = ty * 4 + r
                                guard y < OH else { break }
                                for q in 0..<4 {
                                    let x = tx * 4 + q
                                    guard x < OW else { break }
                                    var v = m6[r * 4 + q] + bv
                                    if clamp { v = v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi) }
                                    let p = outBase + (y * OW + x) * cout + c
                                    if full {
                                        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
                                    } else {
                                        for l in 0..<(cout - c) { p[l] = v[l] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        withExtendedLifetime(parts) {}
        return output
    }

    /// Memory descriptors of the batched product: [36, block, K] · [36, K, N] → [36, block, N], row-major.
    private static func matmulDescriptors(block: Int, k: Int, n: Int) throws
        -> (dnnl_memory_desc_t, dnnl_memory_desc_t, dnnl_memory_desc_t) {
        (try OneDNNDesc.make([36, block, k], dnnl_abc), try OneDNNDesc.make([36, k, n], dnnl_abc),
         try OneDNNDesc.make([36, block, n], dnnl_abc))
    }

    /// d ← Bᵀ d B on a 6×6 block (row-major), in place.
    @inline(__always)
    static func inputTransform(_ d: UnsafeMutablePointer<Vec>) {
        // Columns: t = Bᵀ d.
        for q in 0..<6 {
            let d0 = d[q], d1 = d[6 + q], d2 = d[12 + q], d3 = d[18 + q], d4 = d[24 + q], d5 = d[30 + q]
            d[q] = 4 * d0 - 5 * d2 + d4
            d[6 + q] = -4 * (d1 + d2) + d3 + d4
            d[12 + q] = 4 * (d1 - d2) - d3 + d4
            d[18 + q] = 2 * (d3 - d1) - d2 + d4
            d[24 + q] = 2 * (d1 - d3) - d2 + d4
            d[30 + q] = 4 * d1 - 5 * d3 + d5
        }
        // Rows: t B.
        for r in 0..<6 {
            let o = r * 6
            let d0 = d[o], d1 = d[o + 1], d2 = d[o + 2], d3 = d[o + 3], d4 = d[o + 4], d5 = d[o + 5]
            d[o] = 4 * d0 - 5 * d2 + d4
            d[o + 1] = -4 * (d1 + d2) + d3 + d4
            d[o + 2] = 4 * (d1 - d2) - d3 + d4
            d[o + 3] = 2 * (d3 - d1) - d2 + d4
            d[o + 4] = 2 * (d1 - d3) - d2 + d4
            d[o + 5] = 4 * d1 - 5 * d3 + d5
        }
    }

    /// m ← Aᵀ m A: the 6×6 block's 4×4 result in m[0..<16] (row-major, 4 per row); `t` holds 24 vectors.
    @inline(__always)
    static func outputTransform(_ m: UnsafeMutablePointer<Vec>, scratch t: UnsafeMutablePointer<Vec>) {
        // t = Aᵀ m (4×6), then t A.
        for q in 0..<6 {
            let m0 = m[q], m1 = m[6 + q], m2 = m[12 + q], m3 = m[18 + q], m4 = m[24 + q], m5 = m[30 + q]
            let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
            t[q] = m0 + s12 + s34
            t[6 + q] = d12 + 2 * d34
            t[12 + q] = s12 + 4 * s34
            t[18 + q] = d12 + 8 * d34 + m5
        }
        for r in 0..<4 {
            let o = r * 6
            let m0 = t[o], m1 = t[o + 1], m2 = t[o + 2], m3 = t[o + 3], m4 = t[o + 4], m5 = t[o + 5]
            let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
            m[r * 4] = m0 + s12 + s34
            m[r * 4 + 1] = d12 + 2 * d34
            m[r * 4 + 2] = s12 + 4 * s34
            m[r * 4 + 3] = d12 + 8 * d34 + m5
        }
    }
}

import CDNNL
import FindColorParallel

extension Ops {
    /// Bilinear resize to `height × width` with PyTorch `F.interpolate(mode: "bilinear",
    /// align_corners: false)` semantics: scale = in / out, source = (dst + 0.5) · scale − 0.5
    /// clamped below at 0, neighbours clamped to the last row / column. No antialiasing.
    public static func resizeBilinear(_ x: Tensor, height: Int, width: Int, backend: Backend = .default) -> Tensor {
        precondition(height > 0 && width > 0, "resize: output size must be positive")
        precondition(x.h > 0 && x.w > 0, "resize: empty input \(x.shape)")
        if height == x.h && width == x.w { return x }
        return LayerProfile.record("resize \(x.h)×\(x.w)×\(x.c) → \(height)×\(width)", kind: "resize") {
            dispatch(backend, oneDNN: { try resizeBilinearOneDNN(x, height: height, width: width) },
                     reference: { resizeBilinearReference(x, height: height, width: width) })
        }
    }

    /// Source indices and weights along one axis.
    struct LinearTaps {
        var first: [Int] = []
        var second: [Int] = []
        var firstWeight: [Float] = []
        var secondWeight: [Float] = []

        init(input: Int, output: Int) {
            let scale = Float(input) / Float(output)
            for d in 0..<output {
                let source = Swift.max((Float(d) + 0.5) * scale - 0.5, 0)
                let i0 = Swift.min(Int(source), input - 1)
                let lambda = source - Float(i0)
                first.append(i0)
                second.append(Swift.min(i0 + 1, input - 1))
                firstWeight.append(1 - lambda)
                secondWeight.append(lambda)
            }
        }
    }

    static func resizeBilinearReference(_ x: Tensor, height: Int, width: Int) -> Tensor {
        typealias V = SIMD16<Float>
        let out = Tensor(uninitializedShape: TensorShape(n: x.n, h: height, w: width, c: x.c))
        let rowsTaps = LinearTaps(input: x.h, output: height)
        let columnTaps = LinearTaps(input: x.w, output: width)
        let c = x.c, inH = x.h, inW = x.w
        let vectorChannels = c - c % V.scalarCount
        let px = UnsafePointer(x.basePointer), po = out.basePointer
        Parallel.forEachRange(x.n * height, minimumChunk: Swift.max(1, 16384 / Swift.max(1, width * c))) { rows in
            for r in rows {
                let b = r / height, oy = r % height
                let row0 = px + (b * inH + rowsTaps.first[oy]) * inW * c
                let row1 = px + (b * inH + rowsTaps.second[oy]) * inW * c
                let h0 = rowsTaps.firstWeight[oy], h1 = rowsTaps.secondWeight[oy]
                let outRow = po + r * width * c
                for ox in 0..<width {
                    let x0 = columnTaps.first[ox] * c, x1 = columnTaps.second[ox] * c
                    let w0 = columnTaps.firstWeight[ox], w1 = columnTaps.secondWeight[ox]
                    let dst = outRow + ox * c
                    var k = 0
                    while k < vectorChannels {
                        let top = load(V.self, row0 + x0 + k) * w0 + load(V.self, row0 + x1 + k) * w1
                        let bottom = load(V.self, row1 + x0 + k) * w0 + load(V.self, row1 + x1 + k) * w1
                        store(top * h0 + bottom * h1, dst + k)
                        k += V.scalarCount
                    }
                    while k < c {
                        let top = w0 * row0[x0 + k] + w1 * row0[x1 + k]
                        let bottom = w0 * row1[x0 + k] + w1 * row1[x1 + k]
                        dst[k] = h0 * top + h1 * bottom
                        k += 1
                    }
                }
            }
        }
        return out
    }

    static func resizeBilinearOneDNN(_ x: Tensor, height: Int, width: Int) throws -> Tensor {
        let out = Tensor(uninitializedShape: TensorShape(n: x.n, h: height, w: width, c: x.c))
        try OneDNNOpCache.run("resize \(x.shape) \(out.shape)", [x.basePointer, out.basePointer]) { runtime in
            var src = try OneDNNDesc.nhwc(x.shape)
            var dst = try OneDNNDesc.nhwc(out.shape)
            var desc = dnnl_resampling_desc_t()
            try dnnlCheck(dnnl_resampling_forward_desc_init(&desc, dnnl_forward_inference, dnnl_resampling_linear,
                                                            nil, &src, &dst), "resampling descriptor")
            return try OneDNNOpCache.compile(desc, name: "resampling",
                                             arguments: [(OneDNNArg.src, src), (OneDNNArg.dst, dst)], runtime: runtime)
        }
        return out
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

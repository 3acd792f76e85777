import CDNNL
import FindColorParallel

extension Ops {
    /// Average pooling with kernel = stride = `factor`, no padding (output floor(h / f) × floor(w / f)).
    public static func avgPool(_ x: Tensor, factor: Int, backend: Backend = .default) -> Tensor {
        pool(x, factor: factor, maximum: false, backend: backend)
    }

    /// Max pooling with kernel = stride = `factor`, no padding.
    public static func maxPool(_ x: Tensor, factor: Int, backend: Backend = .default) -> Tensor {
        pool(x, factor: factor, maximum: true, backend: backend)
    }

    private static func pool(_ x: Tensor, factor: Int, maximum: Bool, backend: Backend) -> Tensor {
        precondition(factor >= 1, "pool: factor must be at least 1")
        precondition(x.h >= factor && x.w >= factor, "pool: input \(x.shape) smaller than factor \(factor)")
        if factor == 1 { return x }
        return dispatch(backend, oneDNN: { try poolOneDNN(x, factor: factor, maximum: maximum) },
                        reference: { poolReference(x, factor: factor, maximum: maximum) })
    }

    static func poolShape(_ x: Tensor, _ factor: Int) -> TensorShape {
        TensorShape(n: x.n, h: x.h / factor, w: x.w / factor, c: x.c)
    }

    static func poolReference(_ x: Tensor, factor f: Int, maximum: Bool) -> Tensor {
        typealias V = SIMD16<Float>
        let out = Tensor(uninitializedShape: poolShape(x, f))
        let c = x.c, inH = x.h, inW = x.w, oh = out.h, ow = out.w
        let vectorChannels = c - c % V.scalarCount
        let inverseArea = 1 / Float(f * f)
        let px = UnsafePointer(x.basePointer), po = out.basePointer
        Parallel.forEachRange(x.n * oh, minimumChunk: Swift.max(1, 16384 / Swift.max(1, ow * c * f * f))) { rows in
            for r in rows {
                let b = r / oh, oy = r % oh
                for ox in 0..<ow {
                    let window = px + ((b * inH + oy * f) * inW + ox * f) * c
                    let dst = po + (r * ow + ox) * c
                    var k = 0
                    while k < vectorChannels {
                        var acc = maximum ? V(repeating: -.infinity) : V()
                        for dy in 0..<f {
                            for dx in 0..<f {
                                let v = load(V.self, window + (dy * inW + dx) * c + k)
                                acc = maximum ? pointwiseMax(acc, v) : acc + v
                            }
                        }
                        store(maximum ? acc : acc * inverseArea, dst + k)
                        k += V.scalarCount
                    }
                    while k < c {
                        var acc: Float = maximum ? -.infinity : 0
                        for dy in 0..<f {
                            for dx in 0..<f {
                                let v = window[(dy * inW + dx) * c + k]
                                acc = maximum ? Swift.max(acc, v) : acc + v
                            }
                        }
                        dst[k] = maximum ? acc : acc * inverseArea
                        k += 1
                    }
                }
            }
        }
        return out
    }

    static func poolOneDNN(_ x: Tensor, factor f: Int, maximum: Bool) throws -> Tensor {
        let out = Tensor(uninitializedShape: poolShape(x, f))
        try OneDNNOpCache.run("pool max=\(maximum) f=\(f) \(x.shape)", [x.basePointer, out.basePointer]) { runtime in
            // The source is viewed cropped to the pooled area (floor mode), with the full tensor's strides.
            var src = dnnl_memory_desc_t()
            let dims: [Int64] = [x.n, x.c, out.h * f, out.w * f].map { Int64($0) }
            let strides: [Int64] = [x.h * x.w * x.c, 1, x.w * x.c, x.c].map { Int64($0) }
            try dnnlCheck(dnnl_memory_desc_init_by_strides(&src, 4, dims, dnnl_f32, strides), "pooling source")
            var dst = try OneDNNDesc.nhwc(out.shape)
            var desc = dnnl_pooling_desc_t()
            let window: [Int64] = [Int64(f), Int64(f)], zero: [Int64] = [0, 0]
            try dnnlCheck(dnnl_pooling_forward_desc_init(&desc, dnnl_forward_inference,
                                                         maximum ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding,
                                                         &src, &dst, window, window, zero, zero), "pooling descriptor")
            return try OneDNNOpCache.compile(desc, name: "pooling",
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

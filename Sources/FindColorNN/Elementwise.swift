import CDNNL
import FindColorParallel
import Foundation

extension Ops {
    /// a + b (same shapes), optionally followed by ReLU.
    public static func add(_ a: Tensor, _ b: Tensor, relu: Bool = false, backend: Backend = .default) -> Tensor {
        precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
        return LayerProfile.record("add \(a.h)×\(a.w)×\(a.c)", kind: "add") {
            dispatch(backend, oneDNN: { try addOneDNN(a, b, relu: relu) }, reference: { addReference(a, b, relu: relu) })
        }
    }

    /// Element-wise hyperbolic tangent.
    public static func tanh(_ x: Tensor, backend: Backend = .default) -> Tensor {
        LayerProfile.record("tanh \(x.h)×\(x.w)×\(x.c)", kind: "tanh") {
            dispatch(backend, oneDNN: { try tanhOneDNN(x) }, reference: { tanhReference(x) })
        }
    }

    // MARK: Reference kernels

    static func addReference(_ a: Tensor, _ b: Tensor, relu: Bool) -> Tensor {
        typealias V = SIMD16<Float>
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.basePointer, pb = b.basePointer, po = out.basePointer
        Parallel.forEachRange(a.count, minimumChunk: 1 << 16) { range in
            var i = range.lowerBound
            while i + V.scalarCount <= range.upperBound {
                let s = load(V.self, pa + i) + load(V.self, pb + i)
                store(relu ? pointwiseMax(s, V()) : s, po + i)
                i += V.scalarCount
            }
            while i < range.upperBound {
                let s = pa[i] + pb[i]
                po[i] = relu ? Swift.max(s, 0) : s
                i += 1
            }
        }
        return out
    }

    static func tanhReference(_ x: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape)
        let px = x.basePointer, po = out.basePointer
        Parallel.forEachRange(x.count, minimumChunk: 1 << 14) { range in
            for i in range { po[i] = Foundation.tanh(px[i]) }
        }
        return out
    }

    // MARK: oneDNN

    static func addOneDNN(_ a: Tensor, _ b: Tensor, relu: Bool) throws -> Tensor {
        let out = Tensor(uninitializedShape: a.shape)
        try OneDNNOpCache.run("add relu=\(relu) \(a.shape)", [a.basePointer, b.basePointer, out.basePointer]) { runtime in
            var md = try OneDNNDesc.nhwc(a.shape)
            var md1 = md, mdOut = md
            var desc = dnnl_binary_desc_t()
            try dnnlCheck(dnnl_binary_desc_init(&desc, dnnl_binary_add, &md, &md1, &mdOut), "binary add descriptor")
            return try OneDNNOpCache.compile(desc, name: "add", attributes: try OneDNNAttributes(activation: relu ? .relu : .none),
                                             arguments: [(OneDNNArg.src, md), (OneDNNArg.src1, md), (OneDNNArg.dst, md)],
                                             runtime: runtime)
        }
        return out
    }

    /// An element-wise oneDNN op from `x` into a new tensor.
    private static func eltwiseOneDNN(_ x: Tensor, _ alg: dnnl_alg_kind_t, alpha: Float, beta: Float,
                                      name: String) throws -> Tensor {
        let out = Tensor(uninitializedShape: x.shape)
        try OneDNNOpCache.run("\(name) \(alpha) \(beta) \(x.shape)", [x.basePointer, out.basePointer]) { runtime in
            var md = try OneDNNDesc.nhwc(x.shape)
            var desc = dnnl_eltwise_desc_t()
            try dnnlCheck(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, alg, &md, alpha, beta),
                          "\(name) descriptor")
            return try OneDNNOpCache.compile(desc, name: name, arguments: [(OneDNNArg.src, md), (OneDNNArg.dst, md)],
                                             runtime: runtime)
        }
        return out
    }

    static func tanhOneDNN(_ x: Tensor) throws -> Tensor {
        try eltwiseOneDNN(x, dnnl_eltwise_tanh, alpha: 0, beta: 0, name: "tanh")
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

import CDNNL
import FindColorParallel

extension Ops {
    /// Concatenates tensors along channels (same n, h, w), in order.
    public static func concat(_ tensors: [Tensor], backend: Backend = .default) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0].shape
        for t in tensors {
            precondition(t.n == first.n && t.h == first.h && t.w == first.w,
                         "concat: \(t.shape) does not match \(first) spatially")
        }
        if tensors.count == 1 { return tensors[0] }
        let channels = tensors.reduce(0) { $0 + $1.c }
        return LayerProfile.record("concat → \(first.h)×\(first.w)×\(channels)", kind: "concat") {
            // Few channels (the full-resolution inputs: L, hints, coarse ab; the decoder's 16 + 3 at
            // 1/2): the reference copy loop beats oneDNN's concat there (`findcolor bench --layers`;
            // at 83 channels the two were even).
            channels <= smallConcatChannels ? concatReference(tensors)
                : dispatch(backend, oneDNN: { try concatOneDNN(tensors) }, reference: { concatReference(tensors) })
        }
    }

    /// At most this many output channels: always the reference concatenation.
    /// (8 until the decoder's 1/2 concatenation became 16 + 3 channels: 0.94–2.1 → 0.79–0.87 ms in
    /// all concatenations at 256², three alternated runs of `findcolor bench --layers`.)
    static let smallConcatChannels = 24

    static func concatShape(_ tensors: [Tensor]) -> TensorShape {
        let first = tensors[0].shape
        return TensorShape(n: first.n, h: first.h, w: first.w, c: tensors.reduce(0) { $0 + $1.c })
    }

    static func concatReference(_ tensors: [Tensor]) -> Tensor {
        let out = Tensor(uninitializedShape: concatShape(tensors))
        let totalC = out.c, po = out.basePointer
        let sources = tensors.map { (pointer: UnsafePointer($0.basePointer), channels: $0.c) }
        Parallel.forEachRange(out.n * out.h * out.w, minimumChunk: Swift.max(1, 8192 / totalC)) { pixels in
            // One source at a time over the chunk; sources of 1–4 channels (the full-resolution
            // inputs: L, hints, coarse ab) copied element by element, not by a copy call per pixel.
            var offset = 0
            for source in sources {
                let k = source.channels, src = source.pointer, dst = po + offset
                switch k {
                case 1: for p in pixels { dst[p * totalC] = src[p] }
                case 2:
                    for p in pixels { let d = dst + p * totalC, s = src + 2 * p; d[0] = s[0]; d[1] = s[1] }
                case 3:
                    for p in pixels { let d = dst + p * totalC, s = src + 3 * p; d[0] = s[0]; d[1] = s[1]; d[2] = s[2] }
                case 4:
                    for p in pixels {
                        let d = dst + p * totalC, s = src + 4 * p
                        d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3]
                    }
                default:
                    for p in pixels { (dst + p * totalC).update(from: src + p * k, count: k) }
                }
                offset += k
            }
        }
        return out
    }

    static func concatOneDNN(_ tensors: [Tensor]) throws -> Tensor {
        let out = Tensor(uninitializedShape: concatShape(tensors))
        let key = "concat " + tensors.map { $0.shape.description }.joined(separator: " ")
        try OneDNNOpCache.run(key, tensors.map(\.basePointer) + [out.basePointer]) { runtime in
            let sources = try tensors.map { try OneDNNDesc.nhwc($0.shape) }
            var dst = try OneDNNDesc.nhwc(out.shape)
            var pdHandle: dnnl_primitive_desc_t?
            try dnnlCheck(dnnl_concat_primitive_desc_create(&pdHandle, &dst, Int32(sources.count), 1, sources, nil,
                                                            runtime.engine), "concat descriptor")
            let pd = OneDNNPrimitiveDesc(adopting: pdHandle!)
            var arguments = sources.enumerated().map { (OneDNNArg.multipleSource($0.offset), $0.element) }
            arguments.append((OneDNNArg.dst, dst))
            return try OneDNNCompiledOp(pd, name: "concat", arguments: arguments, runtime: runtime)
        }
        return out
    }
}

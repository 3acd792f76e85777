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
            // Few channels (the full-resolution inputs: L, hints, coarse ab): the reference copy
            // loop beats oneDNN's concat there (`findcolor bench --layers`).
            channels <= smallConcatChannels ? concatReference(tensors)
                : dispatch(backend, oneDNN: { try concatOneDNN(tensors) }, reference: { concatReference(tensors) })
        }
    }

    /// At most this many output channels: always the reference concatenation.
    static let smallConcatChannels = 8

    static func concatShape(_ tensors: [Tensor]) -> TensorShape {
        let first = tensors[0].shape
        return TensorShape(n: first.n, h: first.h, w: first.w, c: tensors.reduce(0) { $0 + $1.c })
    }

    static func concatReference(_ tensors: [Tensor]) -> Tensor {
        let out = Tensor(uninitializedShape: concatShape(tensors))
        let totalC = out.c, po = out.basePointer
        let sources = tensors.map { (pointer: UnsafePointer($0.basePointer), channels: $0.c) }
        Parallel.forEachRange(out.n * out.h * out.w, minimumChunk: Swift.max(1, 8192 / totalC)) { pixels in
            for p in pixels {
                var dst = po + p * totalC
                for source in sources {
                    dst.update(from: source.pointer + p * source.channels, count: source.channels)
                    dst += source.channels
                }
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

import Foundation

/// Per-layer wall time of a forward pass (`findcolor bench --layers`): while `measure` runs its body,
/// every named layer (`Conv2d`) and tensor op (`Ops.concat`, `add`, `tanh`, `resizeBilinear`,
/// `hintPool`, `hintAttention`) called on the thread that runs `measure` adds its time to an entry
/// (the ops parallelise inside themselves; the network calls them one after another on its thread),
/// so layers run elsewhere in the process at the same time are not counted. One measurement at a
/// time. Off, the cost is one load of an optional per op.
public enum LayerProfile {
    /// One layer's or op's time in a measured run.
    public struct Entry: Sendable, Equatable {
        /// The weight name of a layer ("encoder.features.3.conv.1.0") or the op's name ("concat").
        public var name: String
        /// "conv 1×1", "depthwise 3×3 /2", "concat", … (what kind of work it is).
        public var kind: String
        /// Output shape, "h×w×c".
        public var output: String
        public var milliseconds: Double
        public var calls: Int
    }

    final class Recorder: @unchecked Sendable {
        let thread = pthread_self()
        var entries: [Entry] = []
        var index: [String: Int] = [:]
    }

    nonisolated(unsafe) static var recorder: Recorder?

    /// Runs `body` with the recorder on; returns its result and the entries in first-call order.
    public static func measure<T>(_ body: () throws -> T) rethrows -> (result: T, entries: [Entry]) {
        precondition(recorder == nil, "LayerProfile.measure does not nest")
        let r = Recorder()
        recorder = r
        defer { recorder = nil }
        let result = try body()
        return (result, r.entries)
    }

    /// Times `body` under `name` when a measurement is running (the name and kind are built only then).
    @inline(__always)
    public static func record(_ name: @autoclosure () -> String, kind: @autoclosure () -> String, _ body: () -> Tensor) -> Tensor {
        guard let r = recorder, pthread_equal(r.thread, pthread_self()) != 0 else { return body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let out = body()
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        let key = name()
        if let i = r.index[key] {
            r.entries[i].milliseconds += ms
            r.entries[i].calls += 1
        } else {
            r.index[key] = r.entries.count
            r.entries.append(Entry(name: key, kind: kind(), output: "\(out.h)×\(out.w)×\(out.c)", milliseconds: ms, calls: 1))
        }
        return out
    }
}

extension ConvolutionDescriptor {
    /// "conv 1×1", "conv 3×3 /2", "depthwise 3×3": the kind of a convolution in a profile.
    var profileKind: String {
        let k = "\(kernelHeight)×\(kernelWidth)" + (strideY > 1 ? " /\(strideY)" : "")
        return (isDepthwise ? "depthwise " : (groups > 1 ? "grouped " : "conv ")) + k
    }
}

import CDNNL
import FindColorParallel
import Foundation

/// A failed oneDNN call.
public struct OneDNNError: Error, CustomStringConvertible {
    public let operation: String
    public let status: Int

    public var description: String { "oneDNN: \(operation) failed (status \(status))" }
}

@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ operation: @autoclosure () -> String) throws {
    if status != dnnl_success {
        throw OneDNNError(operation: operation(), status: Int(status.rawValue))
    }
}

/// The process-wide oneDNN CPU engine and stream. `nil` if oneDNN could not initialise, in which
/// case every op falls back to the reference kernels.
final class OneDNNRuntime: @unchecked Sendable {
    static let shared: OneDNNRuntime? = try? OneDNNRuntime()

    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    /// oneDNN work is serialised: two inferences at once on two cores oversubscribe OpenMP and
    /// collapse throughput, and primitives own their scratchpads.
    let lock = NSRecursiveLock()

    private init() throws {
        var engine: dnnl_engine_t?
        try dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine creation")
        var stream: dnnl_stream_t?
        let status = dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue))
        guard status == dnnl_success, let engine, let stream else {
            if let engine { dnnl_engine_destroy(engine) }
            throw OneDNNError(operation: "stream creation", status: Int(status.rawValue))
        }
        self.engine = engine
        self.stream = stream
    }

    /// Runs `body` holding the oneDNN lock, with OpenMP's thread count (a per-thread setting in
    /// libgomp) set on the calling thread.
    func withExclusiveAccess<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        OpenMP.setThreadCount(Parallel.threadCount)
        return try body()
    }

    /// A scratch area of at least `bytes` bytes for a caller holding the lock (the bf16 copies of
    /// convolution inputs), valid until the next call. Kept for reuse up to 64 MB (fresh pages
    /// would be faulted in on every call); larger requests get a buffer of their own.
    func scratch(bytes: Int) -> AlignedBuffer {
        let floats = (bytes + 3) / 4
        guard floats <= Self.scratchLimit else { return AlignedBuffer(count: floats, zeroed: false) }
        if scratchBuffer.count < floats { scratchBuffer = AlignedBuffer(count: floats, zeroed: false) }
        return scratchBuffer
    }
    private var scratchBuffer = AlignedBuffer(count: 0)
    private static let scratchLimit = 16 << 20

    /// Executes a primitive and waits for it.
    func execute(_ primitive: OneDNNPrimitive, _ args: [(Int32, OneDNNMemory)]) throws {
        let execArgs = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        try dnnlCheck(dnnl_primitive_execute(primitive.handle, stream, Int32(execArgs.count), execArgs),
                      "execute \(primitive.name)")
        try dnnlCheck(dnnl_stream_wait(stream), "stream wait")
    }
}

/// oneDNN library information.
public enum OneDNN {
    /// Whether oneDNN initialised (the `.oneDNN` backend is usable).
    public static var isAvailable: Bool { OneDNNRuntime.shared != nil }

    /// How long OpenMP's idle threads wait before they sleep: a short spin, then sleep.
    /// `GOMP_SPINCOUNT=3000` (microseconds) with `OMP_WAIT_POLICY=active`, which here only
    /// sets the spin of the "throttled" case (libgomp managing more threads than there are cores,
    /// as when two threads each started OpenMP work; the web app therefore loads its model on the
    /// thread that runs it) to 1,000 instead of none. libgomp's default spins for milliseconds (starving any other work on
    /// two cores) or, throttled, hardly at all; `passive` alone sleeps after every primitive, a
    /// futex wake-up per convolution. The Swift kernels between the primitives run on the same
    /// OpenMP team (`Parallel.useOpenMPTeam`), so a worker still spinning picks them up at once.
    /// Measured side by side on 2 cores (docs/speed.md, "One pool of threads"): a 256² forward pass 16 → 9
    /// ms, the web app's preview render 28 → 23 ms. The spin was 30,000 until 2026-12-07: as fast on
    /// an idle machine, but when another busy process shares the cores every barrier waits for a
    /// worker the scheduler has set aside while its partner spins, and 3,000 halves that loss (a
    /// 256² pass beside a one-thread training job 110 → 57 ms, idle 21 → 22 ms; docs/speed.md, "A
    /// shorter spin"). libgomp reads these variables only when the
    /// process starts, so setting them later has no effect. Call this first thing in `main`:
    /// unless either variable is already set (the user's choice stands), it sets both and
    /// re-executes the program with the same arguments (Linux; elsewhere, or if the exec fails, it
    /// returns and nothing changes).
    public static func reexecWithOpenMPWaitSettingsIfNeeded() {
        #if os(Linux)
        guard getenv("OMP_WAIT_POLICY") == nil, getenv("GOMP_SPINCOUNT") == nil else { return }
        setenv("OMP_WAIT_POLICY", "active", 1)
        setenv("GOMP_SPINCOUNT", "3000", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OMP_WAIT_POLICY")   // exec failed: carry on unchanged
        unsetenv("GOMP_SPINCOUNT")
        #endif
    }

    /// The linked oneDNN version, e.g. "2.6.3".
    public static var version: String {
        guard let v = dnnl_version()?.pointee else { return "unknown" }
        return "\(v.major).\(v.minor).\(v.patch)"
    }
}

/// Argument indices of `dnnl_primitive_execute` (the C macros are not all importable).
enum OneDNNArg {
    static let src = Int32(DNNL_ARG_SRC)
    static let src1 = Int32(DNNL_ARG_SRC_1)
    static let dst = Int32(DNNL_ARG_DST)
    static let weights = Int32(DNNL_ARG_WEIGHTS)
    static let bias = Int32(DNNL_ARG_BIAS)
    static let from = Int32(DNNL_ARG_FROM)
    static let to = Int32(DNNL_ARG_TO)

    static func multipleSource(_ index: Int) -> Int32 { Int32(DNNL_ARG_MULTIPLE_SRC) + Int32(index) }
    /// The second source of the binary post-op at position `index` of the post-op list
    /// (`DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1`, a C macro Swift does not import).
    static func postOpSource1(_ index: Int) -> Int32 {
        Int32(DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE) * Int32(index + 1) | Int32(DNNL_ARG_SRC_1)
    }
}

/// Memory descriptors.
enum OneDNNDesc {
    /// A descriptor (f32 unless told) with the given logical dims (oneDNN order: N, C, H, W /
    /// O, I, H, W) and layout tag.
    static func make(_ dims: [Int], _ tag: dnnl_format_tag_t,
                     _ dataType: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims64 = dims.map { Int64($0) }
        try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims64, dataType, tag),
                      "memory descriptor \(dims)")
        return md
    }

    /// An NHWC activation descriptor for a tensor shape.
    static func nhwc(_ shape: TensorShape, _ dataType: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
        try make([shape.n, shape.c, shape.h, shape.w], dnnl_nhwc, dataType)
    }

    static func byteSize(_ md: dnnl_memory_desc_t) -> Int {
        var md = md
        return dnnl_memory_desc_get_size(&md)
    }
}

/// A oneDNN memory object over caller-owned data (the handle can be swapped between executions).
final class OneDNNMemory {
    let handle: dnnl_memory_t
    let desc: dnnl_memory_desc_t

    init(_ desc: dnnl_memory_desc_t, data: UnsafeMutableRawPointer?, runtime: OneDNNRuntime) throws {
        var md = desc
        var memory: dnnl_memory_t?
        try dnnlCheck(dnnl_memory_create(&memory, &md, runtime.engine, data), "memory creation")
        handle = memory!
        self.desc = desc
    }

    func setData(_ data: UnsafeMutableRawPointer) throws {
        try dnnlCheck(dnnl_memory_set_data_handle(handle, data), "set data handle")
    }

    deinit { dnnl_memory_destroy(handle) }
}

/// A primitive descriptor (owned).
final class OneDNNPrimitiveDesc {
    let handle: dnnl_primitive_desc_t

    /// Creates a primitive descriptor from an operation descriptor (`dnnl_*_desc_t`).
    init<OpDesc>(_ opDesc: OpDesc, attributes: OneDNNAttributes?, runtime: OneDNNRuntime, name: String) throws {
        var opDesc = opDesc
        var pd: dnnl_primitive_desc_t?
        let status = withUnsafePointer(to: &opDesc) { op in
            dnnl_primitive_desc_create(&pd, UnsafeRawPointer(op), attributes?.handle, runtime.engine, nil)
        }
        try dnnlCheck(status, "\(name) primitive descriptor")
        handle = pd!
    }

    /// Adopts a descriptor created elsewhere (reorder, concat).
    init(adopting handle: dnnl_primitive_desc_t) {
        self.handle = handle
    }

    func memoryDesc(_ what: dnnl_query_t, index: Int32 = 0) -> dnnl_memory_desc_t? {
        dnnl_primitive_desc_query_md(handle, what, index)?.pointee
    }

    /// The implementation oneDNN chose, e.g. "brgconv:avx512_core" or "ref:any".
    var implementation: String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(handle, dnnl_query_impl_info_str, 0, &name) == dnnl_success,
              let name else { return "" }
        return String(cString: name)
    }

    /// True for oneDNN's portable reference implementations (tens of times slower than its JIT ones).
    var isReference: Bool { implementation.hasPrefix("ref") }

    deinit { dnnl_primitive_desc_destroy(handle) }
}

/// A compiled primitive.
final class OneDNNPrimitive {
    let handle: dnnl_primitive_t
    let name: String

    init(_ pd: OneDNNPrimitiveDesc, name: String) throws {
        var primitive: dnnl_primitive_t?
        try dnnlCheck(dnnl_primitive_create(&primitive, pd.handle), "\(name) primitive")
        handle = primitive!
        self.name = name
    }

    deinit { dnnl_primitive_destroy(handle) }
}

/// Primitive attributes: fused element-wise post-ops.
final class OneDNNAttributes {
    let handle: dnnl_primitive_attr_t

    /// - Parameter adding: a tensor of the output's shape added before the element-wise post-ops
    ///   (a binary post-op, the first of the list; its data is passed at execution as
    ///   `OneDNNArg.postOpSource1(0)`).
    init(postOps eltwise: [(alg: dnnl_alg_kind_t, alpha: Float, beta: Float)], adding: dnnl_memory_desc_t? = nil) throws {
        var attr: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attr), "attribute creation")
        handle = attr!
        if !eltwise.isEmpty || adding != nil {
            var ops: dnnl_post_ops_t?
            try dnnlCheck(dnnl_post_ops_create(&ops), "post-ops creation")
            defer { dnnl_post_ops_destroy(ops) }
            if var addend = adding {
                try dnnlCheck(dnnl_post_ops_append_binary(ops, dnnl_binary_add, &addend), "binary add post-op")
            }
            for op in eltwise {
                try dnnlCheck(dnnl_post_ops_append_eltwise(ops, 1, op.alg, op.alpha, op.beta), "eltwise post-op")
            }
            try dnnlCheck(dnnl_primitive_attr_set_post_ops(handle, ops), "set post-ops")
        }
    }

    /// Post-ops: (with `adding`) the addition of a tensor, then the fused activation.
    convenience init(activation: Activation, adding: dnnl_memory_desc_t? = nil) throws {
        try self.init(postOps: Self.eltwise(activation), adding: adding)
    }

    static func eltwise(_ activation: Activation) -> [(alg: dnnl_alg_kind_t, alpha: Float, beta: Float)] {
        switch activation {
        case .none: return []
        case .relu: return [(dnnl_eltwise_relu, 0, 0)]
        case .relu6: return [(dnnl_eltwise_clip, 0, 6)]
        case .tanh: return [(dnnl_eltwise_tanh, 0, 0)]
        }
    }

    deinit { dnnl_primitive_attr_destroy(handle) }
}

/// Copies data between layouts (used to pack weights once, at layer creation).
enum OneDNNReorder {
    static func run(from source: dnnl_memory_desc_t, _ sourceData: UnsafeRawPointer,
                    to destination: dnnl_memory_desc_t, _ destinationData: UnsafeMutableRawPointer,
                    runtime: OneDNNRuntime) throws {
        var src = source, dst = destination
        var pdHandle: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_reorder_primitive_desc_create(&pdHandle, &src, runtime.engine, &dst, runtime.engine, nil),
                      "reorder descriptor")
        let pd = OneDNNPrimitiveDesc(adopting: pdHandle!)
        let primitive = try OneDNNPrimitive(pd, name: "reorder")
        let srcMemory = try OneDNNMemory(source, data: UnsafeMutableRawPointer(mutating: sourceData), runtime: runtime)
        let dstMemory = try OneDNNMemory(destination, data: destinationData, runtime: runtime)
        try runtime.execute(primitive, [(OneDNNArg.from, srcMemory), (OneDNNArg.to, dstMemory)])
    }
}

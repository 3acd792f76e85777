import CDNNL
import FindColorParallel

/// A oneDNN primitive compiled for fixed shapes, with one memory object per argument whose data
/// handle is set on every call.
final class OneDNNCompiledOp {
    let primitive: OneDNNPrimitive
    let arguments: [(Int32, OneDNNMemory)]

    init(_ pd: OneDNNPrimitiveDesc, name: String, arguments: [(Int32, dnnl_memory_desc_t)],
         runtime: OneDNNRuntime) throws {
        primitive = try OneDNNPrimitive(pd, name: name)
        self.arguments = try arguments.map { ($0.0, try OneDNNMemory($0.1, data: nil, runtime: runtime)) }
    }

    /// Runs with one data pointer per argument, in the order the arguments were declared.
    func run(_ data: [UnsafeMutablePointer<Float>], runtime: OneDNNRuntime) throws {
        precondition(data.count == arguments.count)
        for (argument, pointer) in zip(arguments, data) { try argument.1.setData(pointer) }
        try runtime.execute(primitive, arguments)
    }
}

/// Compiled oneDNN ops (everything but convolutions, which own theirs), keyed by a description
/// of the op and its shapes. Bounded: cleared when it grows past `capacity` entries.
enum OneDNNOpCache {
    private static let capacity = 512
    nonisolated(unsafe) private static var ops: [String: OneDNNCompiledOp] = [:]

    /// Runs the op cached under `key`, compiling it with `make` on first use. Throws if oneDNN is
    /// unavailable or fails; callers then use the reference kernel.
    static func run(_ key: String, _ data: [UnsafeMutablePointer<Float>],
                    make: (OneDNNRuntime) throws -> OneDNNCompiledOp) throws {
        guard let runtime = OneDNNRuntime.shared else {
            throw OneDNNError(operation: "initialisation", status: -1)
        }
        try runtime.withExclusiveAccess {
            let fullKey = "\(key) threads \(Parallel.threadCount)"
            let op: OneDNNCompiledOp
            if let cached = ops[fullKey] {
                op = cached
            } else {
                op = try make(runtime)
                if ops.count >= capacity { ops.removeAll() }
                ops[fullKey] = op
            }
            try op.run(data, runtime: runtime)
        }
    }

    /// Compiles an op whose operation descriptor is a plain C struct (eltwise, binary, pooling, ...).
    static func compile<OpDesc>(_ opDesc: OpDesc, name: String, attributes: OneDNNAttributes? = nil,
                                arguments: [(Int32, dnnl_memory_desc_t)],
                                runtime: OneDNNRuntime) throws -> OneDNNCompiledOp {
        let pd = try OneDNNPrimitiveDesc(opDesc, attributes: attributes, runtime: runtime, name: name)
        return try OneDNNCompiledOp(pd, name: name, arguments: arguments, runtime: runtime)
    }
}

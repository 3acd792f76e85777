import Foundation

/// A named array of weights (any rank), Float32, in the layout it was stored (PyTorch: OIHW).
public struct WeightArray: Sendable, Equatable {
    public let shape: [Int]
    public let values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "WeightArray: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    public var count: Int { values.count }
}

/// The weights of a network by name, e.g. `weights["dec.d16.conv1.weight"]`, usually loaded from
/// a safetensors file (converted to Float32 once, at load).
///
/// As mlx-swift's `update(parameters:verify:)`: a network built from a store takes its weights with
/// `require` and then calls `verifyAllUsed()`, so that a file with tensors the network does not use
/// (another architecture, a renamed layer, a configuration that disagrees with the weights) is an
/// error naming them rather than silently ignored.
public final class WeightStore: @unchecked Sendable {
    public let metadata: [String: String]
    private let arrays: [String: WeightArray]
    /// Names handed out by `require` (guarded by `lock`).
    private var used = Set<String>()
    private let lock = NSLock()

    public init(_ arrays: [String: WeightArray], metadata: [String: String] = [:]) {
        self.arrays = arrays
        self.metadata = metadata
    }

    /// Loads every tensor of a safetensors file.
    public convenience init(contentsOf url: URL) throws {
        try self.init(file: SafeTensorsFile(contentsOf: url))
    }

    public convenience init(file: SafeTensorsFile) throws {
        var arrays: [String: WeightArray] = [:]
        for (name, info) in file.tensors {
            arrays[name] = WeightArray(shape: info.shape, values: try file.floats(name))
        }
        self.init(arrays, metadata: file.metadata)
    }

    public subscript(name: String) -> WeightArray? { arrays[name] }

    /// All names, sorted.
    public var names: [String] { arrays.keys.sorted() }

    public func contains(_ name: String) -> Bool { arrays[name] != nil }

    /// The named weight; throws if it is missing or (when `shape` is given) shaped differently.
    /// Marks it as used (see `verifyAllUsed`).
    public func require(_ name: String, shape: [Int]? = nil) throws -> WeightArray {
        guard let array = arrays[name] else { throw NNError.missingWeight(name) }
        if let shape, shape != array.shape {
            throw NNError.weightShapeMismatch(name: name, expected: shape, actual: array.shape)
        }
        lock.lock()
        used.insert(name)
        lock.unlock()
        return array
    }

    /// The names no `require` has asked for, sorted.
    public var unusedNames: [String] {
        lock.lock()
        defer { lock.unlock() }
        return arrays.keys.filter { !used.contains($0) }.sorted()
    }

    /// Throws `NNError.unusedWeights` naming every weight no `require` has asked for.
    public func verifyAllUsed() throws {
        let unused = unusedNames
        guard unused.isEmpty else { throw NNError.unusedWeights(unused) }
    }
}

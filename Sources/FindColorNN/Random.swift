/// Reproducible pseudo-random numbers (SplitMix64), for tests and seeding.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` uniform values in `range`.
    public mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

extension Tensor {
    /// A tensor of uniform values in `range`, reproducible from `seed`.
    public static func random(_ shape: TensorShape, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
        var generator = SplitMix64(seed: seed)
        return Tensor(shape: shape, values: generator.floats(shape.count, in: range))
    }
}

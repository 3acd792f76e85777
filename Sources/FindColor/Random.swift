import FindColorNN

/// A small seeded generator (xoshiro256**, seeded with FindColorNN's SplitMix64) so evaluation
/// hints repeat exactly across runs and machines.
public struct SeededGenerator: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitmix = SplitMix64(seed: seed)
        s = (splitmix.next(), splitmix.next(), splitmix.next(), splitmix.next())
    }

    /// A generator for one (seed, item, k) combination.
    public init(seed: UInt64, _ parts: Int...) {
        var h = seed
        for p in parts { h = (h ^ UInt64(bitPattern: Int64(p))) &* 0x100_0000_01B3 &+ 0x9E37_79B9 }
        self.init(seed: h)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller).
    public mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reductions of 8-lane masks without branches: the standard library's `any(_:)` and `all(_:)`
/// test lane by lane with a branch each, which in the per-pixel colour conversion cost as much as
/// the arithmetic.
@usableFromInline
enum SIMDLanes {
    /// Whether some lane is set.
    @inlinable @inline(__always)
    static func any(_ m: SIMDMask<SIMD8<Int32>>) -> Bool {
        let v = unsafeBitCast(m, to: SIMD8<Int32>.self)  // set lanes are −1, others 0
        let h = v.lowHalf | v.highHalf, q = h.lowHalf | h.highHalf
        return (q[0] | q[1]) != 0
    }

    /// Whether every lane is set.
    @inlinable @inline(__always)
    static func all(_ m: SIMDMask<SIMD8<Int32>>) -> Bool {
        let v = unsafeBitCast(m, to: SIMD8<Int32>.self)
        let h = v.lowHalf & v.highHalf, q = h.lowHalf & h.highHalf
        return (q[0] & q[1]) == -1
    }
}

/// A smooth function on [0, 1] tabulated at `steps + 1` points (plus one guard entry), read with
/// linear interpolation: the fast path of the per-pixel transfer functions (`SRGBTransfer.FastEncoder`,
/// the gray L* of `lightness(of:)`), whose `powf`/`cbrtf` per value dominated colour conversion. The
/// values are computed once per process and never freed; a table is a pointer, free to copy into loops.
public struct InterpolatedTable: @unchecked Sendable {
    public static let steps = 4096
    @usableFromInline let values: UnsafePointer<Float>

    /// Tabulates `f` at k / steps, k = 0 … steps + 1.
    public init(_ f: (Double) -> Double) {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: Self.steps + 2)
        for k in 0...(Self.steps + 1) { p[k] = Float(f(Double(k) / Double(Self.steps))) }
        values = UnsafePointer(p)
    }

    /// f(t) for t in [0, 1].
    @inlinable @inline(__always)
    public func callAsFunction(_ t: Float) -> Float {
        let s = t * Float(Self.steps)
        let i = Int(s)
        return values[i] + (s - Float(i)) * (values[i + 1] - values[i])
    }
}

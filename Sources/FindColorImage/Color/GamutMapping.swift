import Foundation

/// Brings L*a*b* colours that sRGB cannot show back into the sRGB gamut.
///
/// Method: keep L* and the hue angle, scale the chroma (a*, b*) toward 0 by a factor s ∈ [0, 1]
/// found by bisection (12 iterations, so s is within 1/4096 of the gamut boundary), then clamp the
/// final sRGB to [0, 1] (which only removes the tiny residue left by the bisection). L* is first
/// clamped to [0, 100], where the neutral colour (L*, 0, 0) is always displayable, so s = 0 is always
/// in gamut and the bisection is well defined.
///
/// Compared with clamping each RGB channel directly, this avoids hue shifts (clamping a saturated
/// orange channel by channel turns it yellow) and keeps the lightness of the photo intact.
public enum GamutMapping {
    /// Bisection steps.
    public static let iterations = 12
    /// Linear-light tolerance for "inside [0, 1]", so float rounding of in-gamut colours is ignored.
    @usableFromInline static let tolerance: Float = 1e-6

    @inlinable
    static func isInGamut(_ c: (r: Float, g: Float, b: Float)) -> Bool {
        let lo = -tolerance, hi = 1 + tolerance
        return c.r >= lo && c.r <= hi && c.g >= lo && c.g <= hi && c.b >= lo && c.b <= hi
    }

    /// Linear sRGB of (L, a, b) after chroma reduction; unclamped (apply the final clamp after encoding).
    @inlinable
    public static func mappedLinear(L: Float, a: Float, b: Float) -> (r: Float, g: Float, b: Float) {
        let L = min(max(L, 0), 100)
        let direct = CIELab.linearFromLab(L, a, b)
        if isInGamut(direct) { return direct }
        var lo: Float = 0, hi: Float = 1
        for _ in 0..<iterations {
            let mid = 0.5 * (lo + hi)
            if isInGamut(CIELab.linearFromLab(L, a * mid, b * mid)) {
                lo = mid
            } else {
                hi = mid
            }
        }
        return CIELab.linearFromLab(L, a * lo, b * lo)
    }

    /// `mappedLinear` for 8 colours at once, lane by lane the same arithmetic (identical results):
    /// the direct conversion, and the bisection only when a lane is out of gamut (in a colourized
    /// photo neighbouring pixels are mostly all inside; the dark, saturated ones come in runs).
    @inlinable
    static func mappedLinear(L: SIMD8<Float>, a: SIMD8<Float>, b: SIMD8<Float>) -> (r: SIMD8<Float>, g: SIMD8<Float>, b: SIMD8<Float>) {
        let L = L.replacing(with: 0, where: L .< 0).replacing(with: 100, where: L .> 100)
        let direct = linear(L, a, b)
        let inside = inGamut(direct)
        if SIMDLanes.all(inside) { return direct }
        var lo = SIMD8<Float>(repeating: 0), hi = SIMD8<Float>(repeating: 1)
        for _ in 0..<iterations {
            let mid = 0.5 * (lo + hi)
            let ok = inGamut(linear(L, a * mid, b * mid))
            lo.replace(with: mid, where: ok)
            hi.replace(with: mid, where: .!ok)
        }
        var out = linear(L, a * lo, b * lo)
        out.r.replace(with: direct.r, where: inside)
        out.g.replace(with: direct.g, where: inside)
        out.b.replace(with: direct.b, where: inside)
        return out
    }

    @inlinable @inline(__always)
    static func inGamut(_ c: (r: SIMD8<Float>, g: SIMD8<Float>, b: SIMD8<Float>)) -> SIMDMask<SIMD8<Int32>> {
        let lo = SIMD8<Float>(repeating: -tolerance), hi = SIMD8<Float>(repeating: 1 + tolerance)
        return (c.r .>= lo) .& (c.r .<= hi) .& (c.g .>= lo) .& (c.g .<= hi) .& (c.b .>= lo) .& (c.b .<= hi)
    }

    /// `CIELab.linearFromLab` on 8 lanes (same operations in the same order).
    @inlinable @inline(__always)
    static func linear(_ L: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> (r: SIMD8<Float>, g: SIMD8<Float>, b: SIMD8<Float>) {
        @inline(__always) func fInverse(_ u: SIMD8<Float>) -> SIMD8<Float> {
            let cube = u * u * u
            return cube.replacing(with: (116 * u - 16) / CIELab.kappaF, where: .!(cube .> CIELab.epsilonF))
        }
        let fy = (L + 16) / 116
        let x = fInverse(fy + a / 500), y = fInverse(fy), z = fInverse(fy - b / 200)
        let m = CIELab.inv
        return (m.m00 * x + m.m01 * y + m.m02 * z,
                m.m10 * x + m.m11 * y + m.m12 * z,
                m.m20 * x + m.m21 * y + m.m22 * z)
    }

    /// The displayable sRGB-encoded colour closest in spirit to `lab`: chroma reduced as described
    /// above, then clamped to [0, 1].
    @inlinable
    public static func srgb(fromLab lab: LabColor) -> RGBColor {
        let lin = mappedLinear(L: lab.L, a: lab.a, b: lab.b)
        return RGBColor(r: clampUnit(SRGBTransfer.encode(lin.r)),
                        g: clampUnit(SRGBTransfer.encode(lin.g)),
                        b: clampUnit(SRGBTransfer.encode(lin.b)))
    }

    @inlinable
    static func clampUnit(_ v: Float) -> Float { min(max(v, 0), 1) }
}

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

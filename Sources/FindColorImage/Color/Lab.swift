import Foundation

/// A CIE L*a*b* colour (D65 white). L* is in [0, 100]; a* and b* are roughly in [-128, 128].
public struct LabColor: Equatable, Sendable, CustomStringConvertible {
    public var L: Float
    public var a: Float
    public var b: Float

    public init(L: Float, a: Float, b: Float) {
        self.L = L
        self.a = a
        self.b = b
    }

    public var description: String { "Lab(\(L), \(a), \(b))" }
}

/// An sRGB colour, sRGB-encoded, nominally in [0, 1] per channel (values outside mean out of gamut).
public struct RGBColor: Equatable, Sendable, CustomStringConvertible {
    public var r: Float
    public var g: Float
    public var b: Float

    public init(r: Float, g: Float, b: Float) {
        self.r = r
        self.g = g
        self.b = b
    }

    public var description: String { "RGB(\(r), \(g), \(b))" }
}

/// The exact sRGB ↔ CIE XYZ ↔ CIE L*a*b* formulas used throughout FindColor (and mirrored by the
/// Python training code):
///
/// - sRGB transfer: IEC 61966-2-1 (see `SRGBTransfer`);
/// - linear sRGB → XYZ: the standard sRGB/D65 matrix below; XYZ → linear sRGB uses its exact inverse,
///   computed in Double from the same matrix (not a rounded published inverse);
/// - white point Xn = 0.95047, Yn = 1, Zn = 1.08883;
/// - f(t) = t > ε ? ∛t : (κ t + 16) / 116 with ε = 216/24389, κ = 24389/27;
/// - L* = 116 f(Y/Yn) − 16, a* = 500 (f(X/Xn) − f(Y/Yn)), b* = 200 (f(Y/Yn) − f(Z/Zn)).
public enum CIELab {
    /// Linear sRGB → XYZ (rows X, Y, Z).
    public static let rgbToXYZMatrix: [[Double]] = [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
    /// XYZ → linear sRGB: the exact inverse of `rgbToXYZMatrix`, computed in Double.
    public static let xyzToRGBMatrix: [[Double]] = invert3x3(rgbToXYZMatrix)

    /// D65 reference white of the sRGB matrix.
    public static let whiteX = 0.95047, whiteY = 1.0, whiteZ = 1.08883
    /// CIE ε = 216/24389 (the linear/cube-root switch point of f).
    public static let epsilon = 216.0 / 24389.0
    /// CIE κ = 24389/27.
    public static let kappa = 24389.0 / 27.0

    // Float copies of the constants, with the white point folded into the matrices so that the
    // per-pixel code needs no divisions: `fwd` maps linear RGB to (X/Xn, Y/Yn, Z/Zn) and `inv` maps
    // (X/Xn, Y/Yn, Z/Zn) back to linear RGB.
    @usableFromInline static let fwd = Matrix3((0..<3).map { row in
        rgbToXYZMatrix[row].map { $0 / [whiteX, whiteY, whiteZ][row] }
    })
    @usableFromInline static let inv = Matrix3((0..<3).map { row in
        (0..<3).map { col in xyzToRGBMatrix[row][col] * [whiteX, whiteY, whiteZ][col] }
    })
    @usableFromInline static let epsilonF = Float(epsilon)
    @usableFromInline static let kappaF = Float(kappa)

    /// Sum of the Y row of the matrix (1.0000001): the relative luminance of sRGB gray (v, v, v)
    /// is this times the linear gray value.
    public static let grayLuminanceFactor = Float(rgbToXYZMatrix[1].reduce(0, +) / whiteY)

    // MARK: - The CIE companding function

    /// f(t) = t > ε ? ∛t : (κ t + 16) / 116.
    @inlinable
    public static func f(_ t: Float) -> Float {
        t > epsilonF ? cbrtf(t) : (kappaF * t + 16) / 116
    }

    /// Inverse of `f`: f⁻¹(u) = u³ > ε ? u³ : (116 u − 16) / κ.
    @inlinable
    public static func fInverse(_ u: Float) -> Float {
        let cube = u * u * u
        return cube > epsilonF ? cube : (116 * u - 16) / kappaF
    }

    // MARK: - Scalar conversions

    /// Linear sRGB → L*a*b*.
    @inlinable
    public static func labFromLinear(_ r: Float, _ g: Float, _ b: Float) -> LabColor {
        let xyz = fwd.apply(r, g, b)
        let fx = f(xyz.0), fy = f(xyz.1), fz = f(xyz.2)
        return LabColor(L: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz))
    }

    /// L*a*b* → linear sRGB, unclamped (components outside [0, 1] are out of the sRGB gamut).
    @inlinable
    public static func linearFromLab(_ L: Float, _ a: Float, _ b: Float) -> (r: Float, g: Float, b: Float) {
        let fy = (L + 16) / 116
        let x = fInverse(fy + a / 500)
        let y = fInverse(fy)
        let z = fInverse(fy - b / 200)
        let rgb = inv.apply(x, y, z)
        return (rgb.0, rgb.1, rgb.2)
    }

    /// sRGB-encoded colour → L*a*b*.
    @inlinable
    public static func lab(fromSRGB c: RGBColor) -> LabColor {
        labFromLinear(SRGBTransfer.decode(c.r), SRGBTransfer.decode(c.g), SRGBTransfer.decode(c.b))
    }

    /// L*a*b* → sRGB-encoded colour, without any gamut handling (may be outside [0, 1]).
    @inlinable
    public static func srgb(fromLab c: LabColor) -> RGBColor {
        let lin = linearFromLab(c.L, c.a, c.b)
        return RGBColor(r: SRGBTransfer.encode(lin.r), g: SRGBTransfer.encode(lin.g), b: SRGBTransfer.encode(lin.b))
    }

    /// L* of the sRGB gray (v, v, v), v sRGB-encoded.
    @inlinable
    public static func lightness(ofGray v: Float) -> Float {
        116 * f(grayLuminanceFactor * SRGBTransfer.decode(v)) - 16
    }

    // MARK: - Matrix helper

    /// Inverse of a 3×3 matrix by the adjugate, in Double.
    static func invert3x3(_ m: [[Double]]) -> [[Double]] {
        let a = m[0][0], b = m[0][1], c = m[0][2]
        let d = m[1][0], e = m[1][1], f = m[1][2]
        let g = m[2][0], h = m[2][1], i = m[2][2]
        let co00 = e * i - f * h, co01 = -(d * i - f * g), co02 = d * h - e * g
        let det = a * co00 + b * co01 + c * co02
        precondition(det != 0, "singular matrix")
        return [
            [co00 / det, -(b * i - c * h) / det, (b * f - c * e) / det],
            [co01 / det, (a * i - c * g) / det, -(a * f - c * d) / det],
            [co02 / det, -(a * h - b * g) / det, (a * e - b * d) / det],
        ]
    }
}

/// A 3×3 Float matrix with stored elements (no array indirection in per-pixel loops).
@usableFromInline
struct Matrix3: Sendable {
    @usableFromInline let m00, m01, m02, m10, m11, m12, m20, m21, m22: Float

    init(_ rows: [[Double]]) {
        m00 = Float(rows[0][0]); m01 = Float(rows[0][1]); m02 = Float(rows[0][2])
        m10 = Float(rows[1][0]); m11 = Float(rows[1][1]); m12 = Float(rows[1][2])
        m20 = Float(rows[2][0]); m21 = Float(rows[2][1]); m22 = Float(rows[2][2])
    }

    /// The matrix times the column vector (x, y, z).
    @inlinable
    func apply(_ x: Float, _ y: Float, _ z: Float) -> (Float, Float, Float) {
        (m00 * x + m01 * y + m02 * z,
         m10 * x + m11 * y + m12 * z,
         m20 * x + m21 * y + m22 * z)
    }
}

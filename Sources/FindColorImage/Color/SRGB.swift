import Foundation

/// The sRGB transfer function (IEC 61966-2-1): converts between sRGB-encoded ("gamma-compressed")
/// values, as stored in image files, and linear light. Both directions use the exact piecewise
/// definition, not the 2.2 power approximation.
public enum SRGBTransfer {
    /// sRGB-encoded → linear: `c ≤ 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055)^2.4`.
    @inlinable
    public static func decode(_ c: Float) -> Float {
        c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
    }

    /// Linear → sRGB-encoded: `l ≤ 0.0031308 ? 12.92 l : 1.055 l^(1/2.4) − 0.055`.
    @inlinable
    public static func encode(_ l: Float) -> Float {
        l <= 0.0031308 ? l * 12.92 : 1.055 * powf(l, 1 / 2.4) - 0.055
    }

    /// Double-precision `decode`, for reference computations.
    @inlinable
    public static func decode(_ c: Double) -> Double {
        c <= 0.04045 ? c / 12.92 : Foundation.pow((c + 0.055) / 1.055, 2.4)
    }

    /// Double-precision `encode`, for reference computations.
    @inlinable
    public static func encode(_ l: Double) -> Double {
        l <= 0.0031308 ? l * 12.92 : 1.055 * Foundation.pow(l, 1 / 2.4) - 0.055
    }
}

import Foundation
import FindColorImage

/// What to colourize with (user hints, a reference photo, optionally limited to a region) and how
/// (`settings`).
public struct ColorizeRequest: Sendable {
    public var hints: [Hint] = []
    /// A colour reference photo (sRGB, any size).
    public var reference: PlanarImage? = nil
    /// 1-channel mask in [0, 1] at the input's size; the reference applies where it is > 0.5.
    public var region: PlanarImage? = nil
    /// Preset, ensemble, vividness, global colour transfer (checked by `ColorizeSettings.validate`).
    public var settings = ColorizeSettings()

    public init(settings: ColorizeSettings = ColorizeSettings()) {
        self.settings = settings
    }
}

public struct ColorizeResult: Sendable {
    /// sRGB, 3 channels, the input's size. Its L* equals the input's L* up to gamut mapping and
    /// 8-bit rounding.
    public var rgb: PlanarImage
    public var milliseconds: Double
}

/// A colour the model finds plausible at a point (`findcolor suggest`, and the server's
/// `GET /api/projects/{id}/suggest`).
public struct SuggestedColor: Codable, Sendable, Equatable {
    public var a: Float
    public var b: Float
    public var probability: Float
    /// The sRGB colour at the point's lightness, e.g. "#7a5230".
    public var hex: String

    public init(a: Float, b: Float, probability: Float, hex: String) {
        self.a = a
        self.b = b
        self.probability = probability
        self.hex = hex
    }
}

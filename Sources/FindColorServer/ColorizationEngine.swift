import Foundation
import FindColor
import FindColorImage

/// What the server needs from the colorizer. `Colorizer` is the real implementation; tests may
/// substitute a scripted engine (e.g. one that blocks, to exercise the queue limit).
///
/// Implementations need not be safe to call concurrently: the server calls them from the
/// `InferenceQueue` only, one call at a time.
protocol ColorizationEngine: Sendable {
    /// Full-resolution colorization; the result has the input's size, 3 channels, sRGB.
    func colorizeFull(_ image: PlanarImage, _ request: ColorizeRequest) throws -> PlanarImage
    /// A fast, downscaled colorization whose short side is `shortSide`.
    func colorizePreview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage
    /// The `topK` most plausible colours of pixel (x, y) given the hints.
    func suggestColors(_ image: PlanarImage, x: Int, y: Int, hints: [Hint], topK: Int) throws -> [SuggestedColor]
    /// Identifies the model: renders cached with another model are not served (computed once).
    func modelIdentity() -> String
}

extension ColorizationEngine {
    func modelIdentity() -> String { "" }
}

extension Colorizer: ColorizationEngine {
    func colorizeFull(_ image: PlanarImage, _ request: ColorizeRequest) throws -> PlanarImage {
        try colorize(image, request).rgb
    }

    func colorizePreview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage {
        try preview(image, request, shortSide: shortSide).rgb
    }

    /// SHA-256 of the model file (computed once, at start).
    func modelIdentity() -> String {
        guard let data = try? Data(contentsOf: modelURL, options: .mappedIfSafe) else { return modelURL.path }
        return ContentDigest.sha256Hex(data)
    }

    func suggestColors(_ image: PlanarImage, x: Int, y: Int, hints: [Hint], topK: Int) throws -> [SuggestedColor] {
        try suggest(image, x: x, y: y, hints: hints, topK: topK)
    }
}

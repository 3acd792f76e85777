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
    /// Whether the engine keeps encodings of recent photos (`PassCache`, a model whose encoder
    /// does not see the hints): their bytes are then part of the server's fixed memory use.
    var keepsEncodings: Bool { get }
    /// A project's full-resolution render. By default `colorizeFull` of the decoded photo; the
    /// colorizer starts from the photo's L*, which `photo` keeps from one render to the next.
    func colorizeFull(_ photo: RenderPhoto, _ request: ColorizeRequest) throws -> PlanarImage
    /// `colorizeFull(photo, request)` as 8-bit samples, what the render encodes. By default
    /// quantised from `colorizeFull`; the colorizer writes them directly (`Colorizer.colorize8`:
    /// the same samples without the float image of the whole result).
    func colorizeFull8(_ photo: RenderPhoto, _ request: ColorizeRequest) throws -> InterleavedImage8
    /// A project's preview. By default `colorizePreview` of the decoded photo; the colorizer starts
    /// from the preview-size L*, which `photo` keeps from one render to the next.
    func colorizePreview(_ photo: RenderPhoto, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage
}

extension ColorizationEngine {
    func modelIdentity() -> String { "" }
    var keepsEncodings: Bool { false }

    func colorizeFull(_ photo: RenderPhoto, _ request: ColorizeRequest) throws -> PlanarImage {
        try colorizeFull(try photo.image(), request)
    }

    func colorizePreview(_ photo: RenderPhoto, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage {
        try colorizePreview(try photo.image(), request, shortSide: shortSide)
    }

    func colorizeFull8(_ photo: RenderPhoto, _ request: ColorizeRequest) throws -> InterleavedImage8 {
        InterleavedImage8(try colorizeFull(photo, request))
    }
}

/// The photo a project render colours (the original, or its repaired version), with what every
/// render of it needs whatever the hints: its L* at full size and at the preview's size. All three
/// come from the decoded-image cache, keyed by the photo's content digest (and the repair's
/// settings), so a hint change neither reads nor decodes the file, nor converts it to L* again.
struct RenderPhoto {
    let width: Int
    let height: Int
    /// The decoded (or repaired) photo, 1 or 3 channels.
    let image: () throws -> PlanarImage
    /// `lightness(of: image())`, cached.
    let lightness: () throws -> LightnessImage
    /// `Colorizer.previewLightness(of: image(), shortSide:)` (from `lightness`), cached per short side.
    let previewLightness: (_ shortSide: Int) throws -> LightnessImage

    /// `image` with its L* planes cached in `images` under `key` (a content digest of everything
    /// the image depends on).
    /// `lightness`, when given, makes the L* plane instead of `lightness(of: image())` (e.g. from
    /// the file without its RGB, `DecodedImageCache.lightness(at:…)`); it is cached the same way.
    init(width: Int, height: Int, key: String, images: DecodedImageCache, image: @escaping () throws -> PlanarImage,
         lightness makeLightness: (() throws -> LightnessImage)? = nil) {
        self.width = width
        self.height = height
        self.image = image
        let make = makeLightness ?? { FindColorImage.lightness(of: try image()) }
        let lightness = { try images.cached("lightness:\(key)", make: make) }
        self.lightness = lightness
        previewLightness = { side in
            try images.cached("lightness-\(side):\(key)") { Colorizer.previewLightness(fromLightness: try lightness(), shortSide: side) }
        }
    }
}

extension Colorizer: ColorizationEngine {
    var keepsEncodings: Bool { !network.encoderSeesHints && passCache != nil }

    func colorizeFull(_ image: PlanarImage, _ request: ColorizeRequest) throws -> PlanarImage {
        try colorize(image, request).rgb
    }

    func colorizePreview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage {
        try preview(image, request, shortSide: shortSide).rgb
    }

    /// The same pixels as `colorizeFull(photo.image(), request)`, from the cached L*.
    func colorizeFull(_ photo: RenderPhoto, _ request: ColorizeRequest) throws -> PlanarImage {
        try colorize(lightness: try photo.lightness(), request).rgb
    }

    /// The same samples as quantising `colorizeFull(photo, request)`, written row by row.
    func colorizeFull8(_ photo: RenderPhoto, _ request: ColorizeRequest) throws -> InterleavedImage8 {
        try colorize8(lightness: try photo.lightness(), request).rgb
    }

    /// The same pixels as `colorizePreview(photo.image(), …)`, from the cached preview-size L*.
    func colorizePreview(_ photo: RenderPhoto, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage {
        try preview(lightness: try photo.previewLightness(shortSide), photoWidth: photo.width, photoHeight: photo.height,
                    request, shortSide: shortSide).rgb
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

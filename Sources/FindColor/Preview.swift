import Foundation
import FindColorImage
import FindColorNN

extension Colorizer {
    /// A fast preview: the photo downscaled so its short side is at most `shortSide`, one pass.
    public func preview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int = 256) throws -> ColorizeResult {
        guard image.channels == 1 || image.channels == 3 else {
            throw FindColorError.invalidImage("expected a gray or RGB image, got \(image.channels) channels")
        }
        return try preview(lightness: Self.previewLightness(of: image, shortSide: shortSide),
                           photoWidth: image.width, photoHeight: image.height, request, shortSide: shortSide)
    }

    /// The preview's input: the photo's L* at the preview's size, as the image-wise pass of
    /// `colorize` sees it at a working size of `shortSide` (so `PassCache` can hand that pass from
    /// the preview to the full render). It does not depend on the hints, so an interactive caller
    /// computes it once per photo.
    public static func previewLightness(of image: PlanarImage, shortSide: Int = 256) -> LightnessImage {
        previewLightness(fromLightness: lightness(of: image), shortSide: shortSide)
    }

    /// `previewLightness(of:shortSide:)` from the photo's L* at full size.
    public static func previewLightness(fromLightness L: LightnessImage, shortSide: Int = 256) -> LightnessImage {
        let (w, h) = fit(width: L.width, height: L.height, shortSide: shortSide)
        return Ensemble.resized(L, w, h)
    }

    /// The preview from `previewLightness(of:shortSide:)` of a `photoWidth × photoHeight` photo
    /// (the request's hints and region are in the photo's pixels): the same pixels as `preview`.
    public func preview(lightness Ls: LightnessImage, photoWidth: Int, photoHeight: Int, _ request: ColorizeRequest,
                        shortSide: Int = 256) throws -> ColorizeResult {
        let t0 = DispatchTime.now()
        try validate(request, width: photoWidth, height: photoHeight)
        let (w, h) = (Ls.width, Ls.height)
        guard (w, h) == Self.fit(width: photoWidth, height: photoHeight, shortSide: shortSide), Ls.channels == 1 else {
            throw FindColorError.invalidImage(
                "the preview's lightness is \(w)×\(h)×\(Ls.channels), not that of a \(photoWidth)×\(photoHeight) photo at short side \(shortSide)")
        }
        var req = request
        req.region = request.region.map { resizeArea($0, width: w, height: h) }
        req.hints = request.hints.map { $0.scaled(fromWidth: photoWidth, fromHeight: photoHeight, toWidth: w, toHeight: h) }
        // One image-wise pass at `shortSide`, whatever the preset.
        let (ab, _) = try fusedAB(L: Ls, request: req, spec: EnsembleSpec(shortSide: shortSide, flip: false))
        TensorMemoryPool.drain()
        let rgb = labToSRGB(lightness: Ls, ab: ab)
        return ColorizeResult(rgb: rgb, milliseconds: ms(since: t0))
    }
}

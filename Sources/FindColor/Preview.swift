import Foundation
import FindColorImage

extension Colorizer {
    /// A fast preview: the photo downscaled so its short side is at most `shortSide`, one pass.
    public func preview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int = 256) throws -> ColorizeResult {
        let t0 = DispatchTime.now()
        guard image.channels == 1 || image.channels == 3 else {
            throw FindColorError.invalidImage("expected a gray or RGB image, got \(image.channels) channels")
        }
        try validate(request, width: image.width, height: image.height)
        let (w, h) = Self.fit(width: image.width, height: image.height, shortSide: shortSide)
        let small = resizeArea(image, width: w, height: h)
        let Ls = lightness(of: small)
        var req = request
        req.region = request.region.map { resizeArea($0, width: w, height: h) }
        req.hints = request.hints.map { $0.scaled(fromWidth: image.width, fromHeight: image.height, toWidth: w, toHeight: h) }
        // One image-wise pass at `shortSide`, whatever the preset.
        let (ab, _) = try fusedAB(L: Ls, request: req, spec: EnsembleSpec(shortSide: shortSide, flip: false))
        let rgb = labToSRGB(lightness: Ls, ab: ab)
        return ColorizeResult(rgb: rgb, milliseconds: ms(since: t0))
    }
}

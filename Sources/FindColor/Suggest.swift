import Foundation
import FindColorImage

extension Colorizer {
    /// The top-k colours of the model's distribution at pixel (x, y), given the hints.
    public func suggest(_ image: PlanarImage, x: Int, y: Int, hints: [Hint], topK: Int = 8, shortSide: Int = 256) throws -> [SuggestedColor] {
        guard x >= 0, y >= 0, x < image.width, y < image.height else {
            throw FindColorError.invalidOption("point (\(x), \(y)) is outside the \(image.width)×\(image.height) image")
        }
        guard (1...64).contains(topK) else { throw FindColorError.invalidOption("top-k must be in 1…64") }
        try HintParser.validate(hints, imageWidth: image.width, imageHeight: image.height)
        let (w, h) = Self.fit(width: image.width, height: image.height, shortSide: shortSide)
        let L = lightness(of: image.width == w && image.height == h ? image : resizeArea(image, width: w, height: h))
        let raster = self.raster(hints, sourceWidth: image.width, sourceHeight: image.height, width: w, height: h)
        let (_, logits) = pass(L: L, hints: raster, logits: true)
        guard let logits else { throw FindColorError.model("the network returned no colour distribution") }
        let px = min(w - 1, x * w / image.width), py = min(h - 1, y * h / image.height)
        let stride = config.logitsStride
        let cx = min(logits.w - 1, px / stride), cy = min(logits.h - 1, py / stride)
        var p = (0..<logits.c).map { logits[0, cy, cx, $0] }
        let mx = p.max() ?? 0
        p = p.map { exp($0 - mx) }
        let sum = p.reduce(0, +)
        let Lp = L[px, py, 0]
        return p.enumerated().sorted { $0.element > $1.element }.prefix(topK).map { q, v in
            let ab = config.bin_centres[q]
            return SuggestedColor(a: ab[0], b: ab[1], probability: v / sum, hex: Self.hex(L: Lp, a: ab[0], b: ab[1]))
        }
    }

    static func hex(L: Float, a: Float, b: Float) -> String {
        let rgb = GamutMapping.srgb(fromLab: LabColor(L: L, a: a, b: b))
        func byte(_ v: Float) -> Int { Int(Metrics.quantize(v)) }
        return String(format: "#%02x%02x%02x", byte(rgb.r), byte(rgb.g), byte(rgb.b))
    }
}

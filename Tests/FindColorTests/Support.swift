import Foundation
import FindColorImage
@testable import FindColor

/// Paths inside the repository (tests read committed files directly).
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = root.appendingPathComponent("Models/findcolor-v2.safetensors")
    static let golden = root.appendingPathComponent("Tests/FindColorTests/Fixtures/golden.safetensors")
}

/// One colorizer for the whole test run (loading packs the weights once).
enum Shared {
    static let colorizer: Colorizer = try! Colorizer(modelURL: Repo.model)
}

/// A procedural gray scene the project owns: sky gradient, a disc, a striped block, a dark base.
func syntheticScene(width: Int, height: Int) -> PlanarImage {
    PlanarImage(width: width, height: height, channels: 1) { x, y, _ in
        let u = Float(x) / Float(width), v = Float(y) / Float(height)
        var g: Float = 0.85 - 0.35 * v
        let dx = u - 0.3, dy = v - 0.35
        if dx * dx + dy * dy < 0.03 { g = 0.62 }
        if u > 0.6 && v > 0.5 { g = 0.35 + 0.12 * sin(u * 90) }
        if v > 0.85 { g = 0.2 }
        return g
    }
}

/// A colourful synthetic photo (sRGB): blue sky, red disc, green stripes, brown ground.
func syntheticColourScene(width: Int, height: Int) -> PlanarImage {
    PlanarImage(width: width, height: height, channels: 3) { x, y, c in
        let u = Float(x) / Float(width), v = Float(y) / Float(height)
        var rgb: (Float, Float, Float) = (0.35 + 0.3 * v, 0.55 + 0.2 * v, 0.9)
        let dx = u - 0.3, dy = v - 0.35
        if dx * dx + dy * dy < 0.03 { rgb = (0.85, 0.15, 0.12) }
        if u > 0.6 && v > 0.5 { let s = 0.5 + 0.5 * sin(u * 90); rgb = (0.1 + 0.1 * s, 0.45 + 0.2 * s, 0.15) }
        if v > 0.85 { rgb = (0.4, 0.27, 0.15) }
        return c == 0 ? rgb.0 : (c == 1 ? rgb.1 : rgb.2)
    }
}

/// Mean (a*, b*) of an RGB image over a rectangle.
func meanAB(_ rgb: PlanarImage, x: Int, y: Int, width: Int, height: Int) -> (Float, Float) {
    let lab = srgbToLab(rgb)
    let n = lab.planeSize
    var a: Float = 0, b: Float = 0
    for yy in y..<y + height { for xx in x..<x + width { a += lab.data[n + yy * lab.width + xx]; b += lab.data[2 * n + yy * lab.width + xx] } }
    let c = Float(width * height)
    return (a / c, b / c)
}

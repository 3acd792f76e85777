import Foundation
@testable import FindColorImage

/// Synthetic photos and defect masks for the repair tests (all deterministic).
enum RepairFixtures {
    /// A photo-like L* plane: gradients, two sinusoidal textures and hard edges (a bright
    /// rectangle, a dark disc, a diagonal step), in [0, 100].
    static func photo(width: Int, height: Int) -> PlanarImage {
        let w = Float(width), h = Float(height)
        return PlanarImage(width: width, height: height, channels: 1) { xi, yi, _ in
            let x = Float(xi), y = Float(yi)
            var v = 45 + 25 * x / w - 10 * y / h
            v += 6 * sinf(2 * .pi * x / 23) * sinf(2 * .pi * y / 31)
            v += 3 * sinf(2 * .pi * (x + 2 * y) / 11)
            if x >= 0.2 * w && x < 0.55 * w && y >= 0.3 * h && y < 0.7 * h { v += 20 }
            let dx = x - 0.7 * w, dy = y - 0.4 * h
            if dx * dx + dy * dy < 0.15 * h * 0.15 * h { v -= 15 }
            if x + 0.5 * y > 0.9 * w { v += 10 }
            return min(max(v, 0), 100)
        }
    }

    /// The kinds of damage of issue 15, each as a mask (1 = defect).
    enum Damage: String, CaseIterable, CustomStringConvertible {
        case scratches, dust, hairs, blotches, corner
        var description: String { rawValue }
    }

    static func mask(_ damage: Damage, width: Int, height: Int, seed: UInt64) -> PlanarImage {
        var rng = SeededRandom(seed: seed)
        var mask = PlanarImage(width: width, height: height, channels: 1)
        let w = Float(width), h = Float(height)
        switch damage {
        case .scratches:
            // Long, nearly vertical scratches 1–8 px wide.
            for _ in 0..<6 {
                let x0 = Float.random(in: 0...w, using: &rng), x1 = x0 + Float.random(in: -0.2 * w...0.2 * w, using: &rng)
                let width = Float(Int.random(in: 1...8, using: &rng))
                paintSegment(&mask, from: (x0, -5), to: (x1, h + 5), width: width)
            }
        case .dust:
            for _ in 0..<60 {
                paintDisc(&mask, centre: (Float.random(in: 0..<w, using: &rng), Float.random(in: 0..<h, using: &rng)),
                          radius: Float.random(in: 0.7...4, using: &rng))
            }
        case .hairs:
            // Curved thin lines (1–2 px) made of short segments.
            for _ in 0..<5 {
                var x = Float.random(in: 0..<w, using: &rng), y = Float.random(in: 0..<h, using: &rng)
                var angle = Float.random(in: 0..<(2 * .pi), using: &rng)
                let width = Float(Int.random(in: 1...2, using: &rng))
                for _ in 0..<40 {
                    let nx = x + 4 * cosf(angle), ny = y + 4 * sinf(angle)
                    paintSegment(&mask, from: (x, y), to: (nx, ny), width: width)
                    x = nx
                    y = ny
                    angle += Float.random(in: -0.3...0.3, using: &rng)
                }
            }
        case .blotches:
            // Spots and blotches up to 40 px across.
            for _ in 0..<8 {
                paintDisc(&mask, centre: (Float.random(in: 0..<w, using: &rng), Float.random(in: 0..<h, using: &rng)),
                          radius: Float.random(in: 5...20, using: &rng))
            }
        case .corner:
            // A torn corner: the triangle cut off the top left.
            let a = 0.3 * w, b = 0.35 * h
            for y in 0..<height {
                for x in 0..<width where Float(x) / a + Float(y) / b < 1 { mask[x, y, 0] = 1 }
            }
        }
        return mask
    }

    static func paintDisc(_ mask: inout PlanarImage, centre: (Float, Float), radius: Float) {
        let r = Int(radius.rounded(.up))
        let cx = Int(centre.0), cy = Int(centre.1)
        let y0 = max(cy - r, 0), y1 = min(cy + r, mask.height - 1)
        let x0 = max(cx - r, 0), x1 = min(cx + r, mask.width - 1)
        guard y0 <= y1, x0 <= x1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Float(x) - centre.0, dy = Float(y) - centre.1
                if dx * dx + dy * dy <= radius * radius { mask[x, y, 0] = 1 }
            }
        }
    }

    /// Marks the pixels within `width / 2` of the segment (at least the pixels it passes through).
    static func paintSegment(_ mask: inout PlanarImage, from a: (Float, Float), to b: (Float, Float), width: Float) {
        let half = max(width / 2, 0.5)
        let x0 = max(Int(min(a.0, b.0) - half - 1), 0), x1 = min(Int(max(a.0, b.0) + half + 1), mask.width - 1)
        let y0 = max(Int(min(a.1, b.1) - half - 1), 0), y1 = min(Int(max(a.1, b.1) + half + 1), mask.height - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        let vx = b.0 - a.0, vy = b.1 - a.1, length2 = max(vx * vx + vy * vy, 1e-6)
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Float(x) - a.0, py = Float(y) - a.1
                let t = min(max((px * vx + py * vy) / length2, 0), 1)
                let dx = px - t * vx, dy = py - t * vy
                if dx * dx + dy * dy <= half * half { mask[x, y, 0] = 1 }
            }
        }
    }

    /// `image` with the masked pixels set to `value` (the damage itself).
    static func damaged(_ image: PlanarImage, mask: PlanarImage, value: Float = 100) -> PlanarImage {
        var out = image
        for i in out.data.indices where mask.data[i] > 0.5 { out.data[i] = value }
        return out
    }

    /// Gaussian noise of standard deviation `sigma` added to every sample (Box–Muller, seeded).
    static func noisy(_ image: PlanarImage, sigma: Float, seed: UInt64) -> PlanarImage {
        var rng = SeededRandom(seed: seed)
        var out = image
        for i in out.data.indices {
            let u1 = Float.random(in: Float.ulpOfOne..<1, using: &rng), u2 = Float.random(in: 0..<1, using: &rng)
            out.data[i] += sigma * (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
        }
        return out
    }
}

/// PSNR (peak 100, the L* range) over the pixels where `mask` > 0.5, or over all pixels without one.
func psnrL(_ a: PlanarImage, _ b: PlanarImage, inside mask: PlanarImage? = nil) -> Double {
    precondition(a.data.count == b.data.count)
    var sum = 0.0, count = 0
    for i in a.data.indices where mask.map({ $0.data[i] > 0.5 }) ?? true {
        let d = Double(a.data[i] - b.data[i])
        sum += d * d
        count += 1
    }
    guard count > 0 else { return .infinity }
    let mse = sum / Double(count)
    return mse == 0 ? .infinity : 10 * log10(100 * 100 / mse)
}

/// Mean absolute difference of two images' samples.
func meanAbsDifference(_ a: PlanarImage, _ b: PlanarImage) -> Double {
    precondition(a.data.count == b.data.count)
    guard !a.data.isEmpty else { return 0 }
    return zip(a.data, b.data).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.data.count)
}

/// Milliseconds that `body` took.
func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

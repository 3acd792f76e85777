import Foundation
import FindColorImage

/// Seeded synthetic damage of a clean L* plane: the degradation of the repair protocol
/// (`findcolor eval --protocol repair`) and of the repair tests.
///
/// The recipe (each family drawn with its probability per photo; sizes in pixels of the photo):
/// - **fading** (0.5): L' = lo + (hi − lo)·(L/100)^g with lo ∈ [0, 25], hi ∈ [75, 100], g = e^N(0, 0.15);
/// - **scratches** (0.6): 1–4 lines across 40–100 % of the photo, near vertical (0.6) or at any
///   angle, bent by a slow sine (amplitude 0–1.5 % of the length), 0.7–4 px wide, white (L* 80–100)
///   or black (0–20), opacity 0.6–1;
/// - **dust** (0.5): 5–50 specks of radius 0.7–3.5 px, white or black;
/// - **hairs** (0.25): 1–3 arcs of circles (radius 5–30 px, 60–300°) 0.6–1.5 px wide;
/// - **spots** (0.25): 1–4 soft ellipses (semi-axes 3–20 px), paper-light (L* 80–95) or a darker
///   stain (L × 0.3–0.6), opacity 0.5–0.9;
/// - **cracks** (0.2): 1–2 jagged polylines (steps of 3–8 px turning up to ±60°), 0.6–1.4 px, with a branch;
/// - **torn corner** (0.1): a ragged triangle at one corner, 10–30 % of the shorter side, paper white;
/// - **grain** (0.5): Gaussian noise, σ 1–4 L*, over everything (not a defect).
///
/// A pixel is a defect where a layer covers it with opacity ≥ 0.3 and moves L* by ≥ 3: damage that
/// does not show is not asked for. The training renders the same families with a different
/// implementation (training/findcolor_train/damage.py: random-walk curves, noise-field stains), so
/// the protocol measures the detector on damage it never saw pixel for pixel.
public struct Damage {
    public static let minimumOpacity: Float = 0.3
    public static let minimumChange: Float = 3

    /// The families of defects (what `kinds` records per pixel).
    public enum Kind: UInt8, CaseIterable, Sendable {
        case scratch = 1, dust, hair, spot, crack, tornCorner

        public var name: String {
            switch self {
            case .scratch: return "scratches"
            case .dust: return "dust"
            case .hair: return "hairs"
            case .spot: return "spots"
            case .crack: return "cracks"
            case .tornCorner: return "torn corners"
            }
        }
    }

    public var damaged: PlanarImage
    /// 1 where the damage should be repaired, else 0.
    public var mask: PlanarImage
    /// Per pixel, the `Kind.rawValue` of the last defect that made it a mask pixel (0 outside the mask).
    public var kinds: [UInt8]
    /// Per pixel, the largest |ΔL*| that one defect layer made there (0 outside the mask): how
    /// visible the damage is (`RepairReport`'s recall by change).
    public var change: [Float]

    /// Damages `L` (one plane, L* in [0, 100]) with the generator's draws.
    public static func render(_ L: PlanarImage, rng: inout SeededGenerator) -> Damage {
        precondition(L.channels == 1)
        let W = L.width, H = L.height, S = Double(max(W, H))
        var x = L
        var mask = PlanarImage(width: W, height: H, channels: 1)
        var kinds = [UInt8](repeating: 0, count: W * H)
        var change = [Float](repeating: 0, count: W * H)
        func chance(_ p: Double) -> Bool { rng.uniform() < p }
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * rng.uniform() }
        func int(_ a: Int, _ b: Int) -> Int { a + Int(rng.uniform() * Double(b - a + 1)) }
        func tone(_ bright: Bool) -> Float { Float(bright ? uniform(80, 100) : uniform(0, 20)) }

        // Fading: global, not a defect.
        if chance(0.5) {
            let lo = Float(uniform(0, 25)), hi = Float(uniform(75, 100)), g = Float(exp(rng.normal(sd: 0.15)))
            for i in x.data.indices { x.data[i] = lo + (hi - lo) * powf(min(max(x.data[i] / 100, 0), 1), g) }
        }
        // Applies one layer: coverage alpha (0…1) towards target values.
        func apply(_ alpha: Layer, _ kind: Kind) {
            for (i, a) in alpha.coverage where a > 0 {
                let before = x.data[i]
                let after = before + (alpha.target(i, before) - before) * a
                x.data[i] = after
                if a >= minimumOpacity && abs(after - before) >= minimumChange {
                    mask.data[i] = 1
                    kinds[i] = kind.rawValue
                    change[i] = max(change[i], abs(after - before))
                }
            }
        }
        if chance(0.6) {
            for _ in 0..<int(1, 4) {
                let vertical = chance(0.6)
                let angle = vertical ? Double.pi / 2 + rng.normal(sd: 0.08) : uniform(0, Double.pi)
                let length = uniform(0.4, 1.0) * S
                let cx = uniform(0, Double(W)), cy = uniform(0, Double(H))
                let amp = uniform(0, 0.015) * length, phase = uniform(0, 2 * Double.pi), waves = uniform(0.3, 1.5)
                let (dx, dy) = (cos(angle), sin(angle))
                let pts = (0...64).map { j -> (Double, Double) in
                    let t = (Double(j) / 64 - 0.5) * length
                    let bend = amp * sin(phase + waves * 2 * Double.pi * Double(j) / 64)
                    return (cx + t * dx - bend * dy, cy + t * dy + bend * dx)
                }
                let opacity = Float(uniform(0.6, 1)), value = tone(chance(0.55))
                apply(Layer.curve(pts, width: uniform(0.7, 4), W: W, H: H, opacity: opacity) { _, _ in value }, .scratch)
            }
        }
        if chance(0.5) {
            for _ in 0..<int(5, 50) {
                let r = uniform(0.7, 3.5), value = tone(chance(0.55)), opacity = Float(uniform(0.7, 1))
                apply(Layer.disc(x: uniform(0, Double(W)), y: uniform(0, Double(H)), rx: r, ry: r, soft: 0.5, W: W, H: H,
                                 opacity: opacity) { _, _ in value }, .dust)
            }
        }
        if chance(0.25) {
            for _ in 0..<int(1, 3) {
                let r = uniform(5, 30), start = uniform(0, 2 * Double.pi), sweep = uniform(60, 300) * Double.pi / 180
                let cx = uniform(0, Double(W)), cy = uniform(0, Double(H)), wobble = uniform(0, 0.15)
                let pts = (0...48).map { j -> (Double, Double) in
                    let t = start + sweep * Double(j) / 48
                    let rr = r * (1 + wobble * sin(3 * t))
                    return (cx + rr * cos(t), cy + rr * sin(t))
                }
                let value = tone(chance(0.5)), opacity = Float(uniform(0.7, 1))
                apply(Layer.curve(pts, width: uniform(0.6, 1.5), W: W, H: H, opacity: opacity) { _, _ in value }, .hair)
            }
        }
        if chance(0.25) {
            for _ in 0..<int(1, 4) {
                let light = chance(0.5), paper = Float(uniform(80, 95)), factor = Float(uniform(0.3, 0.6))
                let opacity = Float(uniform(0.5, 0.9))
                apply(Layer.disc(x: uniform(0, Double(W)), y: uniform(0, Double(H)), rx: uniform(3, 20), ry: uniform(3, 20),
                                 soft: uniform(1, 4), W: W, H: H, opacity: opacity) { _, before in light ? paper : before * factor }, .spot)
            }
        }
        if chance(0.2) {
            for _ in 0..<int(1, 2) {
                var pts: [(Double, Double)] = [(uniform(0, Double(W)), uniform(0, Double(H)))]
                var heading = uniform(0, 2 * Double.pi)
                let steps = int(8, 40)
                for _ in 0..<steps {
                    heading += uniform(-1.05, 1.05)
                    let step = uniform(3, 8), last = pts[pts.count - 1]
                    pts.append((last.0 + step * cos(heading), last.1 + step * sin(heading)))
                }
                let branchAt = pts[int(0, pts.count - 1)]
                var branch = [branchAt]
                heading += uniform(-2, 2)
                for _ in 0..<int(3, 12) {
                    heading += uniform(-1.05, 1.05)
                    let step = uniform(3, 8), last = branch[branch.count - 1]
                    branch.append((last.0 + step * cos(heading), last.1 + step * sin(heading)))
                }
                let value = tone(chance(0.6)), width = uniform(0.6, 1.4), opacity = Float(uniform(0.7, 1))
                apply(Layer.curve(pts, width: width, W: W, H: H, opacity: opacity) { _, _ in value }, .crack)
                apply(Layer.curve(branch, width: width, W: W, H: H, opacity: opacity) { _, _ in value }, .crack)
            }
        }
        if chance(0.1) {
            let depth = uniform(0.1, 0.3) * Double(min(W, H)), corner = int(0, 3)
            let paper = Float(uniform(88, 100))
            let seedA = uniform(0, 100), seedB = uniform(0, 100)
            var cov: [(Int, Float)] = []
            for y in 0..<H {
                for xx in 0..<W {
                    let u = corner & 1 == 0 ? Double(xx) : Double(W - 1 - xx)
                    let v = corner & 2 == 0 ? Double(y) : Double(H - 1 - y)
                    let ragged = 1.5 * sin(u * 0.9 + seedA) + 1.2 * sin(v * 1.3 + seedB) + 0.8 * sin((u + v) * 2.1)
                    let d = depth - (u + v) + ragged
                    if d > -1 { cov.append((y * W + xx, Float(min(1, d + 1) / 1))) }
                }
            }
            apply(Layer(coverage: cov) { _, _ in paper }, .tornCorner)
        }
        // Grain: global, not a defect.
        if chance(0.5) {
            let sigma = uniform(1, 4)
            for i in x.data.indices { x.data[i] += Float(rng.normal(sd: sigma)) }
        }
        for i in x.data.indices { x.data[i] = min(max(x.data[i], 0), 100) }
        return Damage(damaged: x, mask: mask, kinds: kinds, change: change)
    }

    /// A damage layer: coverage per pixel index and the value it pulls towards.
    struct Layer {
        var coverage: [(Int, Float)]
        var target: (_ index: Int, _ before: Float) -> Float

        /// A polyline `width` px wide (anti-aliased by the distance of each pixel centre to it).
        static func curve(_ pts: [(Double, Double)], width: Double, W: Int, H: Int, opacity: Float,
                          target: @escaping (Int, Float) -> Float) -> Layer {
            var best: [Int: Float] = [:]
            let half = width / 2
            for s in 0..<(pts.count - 1) {
                let (ax, ay) = pts[s], (bx, by) = pts[s + 1]
                let x0 = max(0, Int(floor(min(ax, bx) - half - 1))), x1 = min(W - 1, Int(ceil(max(ax, bx) + half + 1)))
                let y0 = max(0, Int(floor(min(ay, by) - half - 1))), y1 = min(H - 1, Int(ceil(max(ay, by) + half + 1)))
                guard x0 <= x1, y0 <= y1 else { continue }
                let vx = bx - ax, vy = by - ay, len2 = max(vx * vx + vy * vy, 1e-12)
                for y in y0...y1 {
                    for x in x0...x1 {
                        let px = Double(x) + 0.5, py = Double(y) + 0.5
                        let t = min(max(((px - ax) * vx + (py - ay) * vy) / len2, 0), 1)
                        let dx = px - (ax + t * vx), dy = py - (ay + t * vy)
                        let c = Float(min(max(half + 0.5 - (dx * dx + dy * dy).squareRoot(), 0), 1)) * opacity
                        if c > 0 { best[y * W + x] = max(best[y * W + x] ?? 0, c) }
                    }
                }
            }
            return Layer(coverage: best.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, target: target)
        }

        /// An ellipse with a soft edge `soft` px wide.
        static func disc(x cx: Double, y cy: Double, rx: Double, ry: Double, soft: Double, W: Int, H: Int, opacity: Float,
                         target: @escaping (Int, Float) -> Float) -> Layer {
            var cov: [(Int, Float)] = []
            let r = max(rx, ry) + soft + 1
            for y in max(0, Int(cy - r))...max(0, min(H - 1, Int(cy + r))) {
                for x in max(0, Int(cx - r))...max(0, min(W - 1, Int(cx + r))) {
                    let u = (Double(x) + 0.5 - cx) / rx, v = (Double(y) + 0.5 - cy) / ry
                    let d = ((u * u + v * v).squareRoot() - 1) * min(rx, ry) // ≈ px outside the ellipse
                    let c = Float(min(max(0.5 - d / soft, 0), 1)) * opacity
                    if c > 0 { cov.append((y * W + x, c)) }
                }
            }
            return Layer(coverage: cov, target: target)
        }
    }
}

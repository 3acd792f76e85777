import Foundation
import FindColorImage

/// The photos of a scan that holds several side by side — an album page, a contact sheet, a
/// mosaic, a film frame between black bars — found as the rectangles between straight seams, so that
/// each is coloured as if it were alone (issue 16: one pass over many scenes mixes their contexts;
/// on 4×4 mosaics of development photos it cost 0.4 dB even with detail windows at the right scale).
///
/// A seam is a straight line across the whole rectangle being cut (a guillotine cut, as between
/// mounted prints) where the lightness jumps far more than it varies on either side:
/// - the mean |ΔL*| across the line is at least `minimumRatio` times the mean |ΔL*| across its two
///   neighbouring lines (+1, so flat areas do not divide by nothing), and
/// - along at least `minimumShare` of the line the step is ≥ `minimumStep` L* and the largest of the
///   three (a step, not a texture).
/// The cut with the highest ratio is taken and both sides are searched again (vertical and horizontal
/// alternate as they come). Parts are at least `minimumPartFraction` of the side they divide and
/// 32 px. Measured (2026-12-04, `MODEL_CARD.md`): on 6 mosaics of development photos (4×4 of 512²,
/// 8×8 of 256²) most seams score 5–19 (a few under 4, where two tiles meet in similar tones); of 599 single photos (development, historical, training) 4
/// are cut, each along the black or white bars that frame it (README, "Many scenes in one scan").
public enum ScanParts {
    public static let minimumRatio: Float = 4
    public static let minimumShare: Float = 0.5
    public static let minimumStep: Float = 3
    public static let minimumPartFraction = 0.08
    public static let minimumPartPixels = 32
    /// The search runs on L* box-averaged by an integer factor to a short side of at most this.
    public static let analysisShortSide = 768

    /// A part of the photo, in its pixels.
    public struct Rect: Equatable, Sendable, CustomStringConvertible {
        public var x: Int, y: Int, width: Int, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x; self.y = y; self.width = width; self.height = height
        }
        public var description: String { "\(width)×\(height)+\(x)+\(y)" }
    }

    /// The parts of `L` (L* planes, one channel), in reading order of the cuts; one rectangle (the
    /// whole photo) when there is no seam.
    public static func parts(of L: PlanarImage) -> [Rect] {
        let f = max(1, min(L.width, L.height) / analysisShortSide)
        let A = f == 1 ? L : boxAveraged(L, factor: f)
        var out: [Rect] = []
        split(Rect(x: 0, y: 0, width: A.width, height: A.height), A: A, L: L, f: f, depth: 0, into: &out)
        return out
    }

    /// `rect` in the analysis grid; appends full-resolution rectangles.
    private static func split(_ rect: Rect, A: PlanarImage, L: PlanarImage, f: Int, depth: Int, into out: inout [Rect]) {
        let v = depth < 16 ? bestCut(A, rect, vertical: true, f: f) : nil
        let h = depth < 16 ? bestCut(A, rect, vertical: false, f: f) : nil
        if let v, v.ratio >= (h?.ratio ?? 0) {
            split(Rect(x: rect.x, y: rect.y, width: v.at - rect.x, height: rect.height), A: A, L: L, f: f, depth: depth + 1, into: &out)
            split(Rect(x: v.at, y: rect.y, width: rect.x + rect.width - v.at, height: rect.height), A: A, L: L, f: f, depth: depth + 1, into: &out)
        } else if let h {
            split(Rect(x: rect.x, y: rect.y, width: rect.width, height: h.at - rect.y), A: A, L: L, f: f, depth: depth + 1, into: &out)
            split(Rect(x: rect.x, y: h.at, width: rect.width, height: rect.y + rect.height - h.at), A: A, L: L, f: f, depth: depth + 1, into: &out)
        } else {
            out.append(fullResolution(rect, A: A, L: L, f: f))
        }
    }

    /// The analysis rectangle in the photo's pixels (the last row and column of parts reach the
    /// photo's edge, whatever the box-averaging dropped), the cut refined to the strongest step
    /// within one analysis pixel.
    private static func fullResolution(_ r: Rect, A: PlanarImage, L: PlanarImage, f: Int) -> Rect {
        func edge(_ a: Int, _ n: Int, _ full: Int, vertical: Bool, across: Range<Int>) -> Int {
            if a == 0 { return 0 }
            if a == n { return full }
            if f == 1 { return a }
            // Refine: the full-resolution line within (a−1)·f … (a+1)·f with the largest mean step.
            var best = a * f, bestStep: Float = -1
            for c in max(1, (a - 1) * f + 1)..<min(full, (a + 1) * f) {
                var s: Float = 0
                for t in across {
                    s += vertical ? abs(L.data[t * L.width + c] - L.data[t * L.width + c - 1]) : abs(L.data[c * L.width + t] - L.data[(c - 1) * L.width + t])
                }
                if s > bestStep { bestStep = s; best = c }
            }
            return best
        }
        let rows = (r.y * f)..<min(L.height, (r.y + r.height) * f)
        let cols = (r.x * f)..<min(L.width, (r.x + r.width) * f)
        let x0 = edge(r.x, A.width, L.width, vertical: true, across: rows)
        let x1 = edge(r.x + r.width, A.width, L.width, vertical: true, across: rows)
        let y0 = edge(r.y, A.height, L.height, vertical: false, across: cols)
        let y1 = edge(r.y + r.height, A.height, L.height, vertical: false, across: cols)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The seam with the highest ratio across `rect` (vertical: a column boundary), if any passes.
    private static func bestCut(_ A: PlanarImage, _ rect: Rect, vertical: Bool, f: Int) -> (at: Int, ratio: Float)? {
        let length = vertical ? rect.width : rect.height       // the side the cut divides
        let along = vertical ? rect.height : rect.width        // the length of the cut
        let margin = max(Int((Double(length) * minimumPartFraction).rounded(.up)), (minimumPartPixels + f - 1) / f, 3)
        guard length >= 2 * margin, along >= 8 else { return nil }
        // d[k][t]: |ΔL| across boundary k (between k−1 and k, relative to the rect) at position t.
        func value(_ k: Int, _ t: Int) -> Float {
            vertical ? A.data[(rect.y + t) * A.width + rect.x + k] : A.data[(rect.y + k) * A.width + rect.x + t]
        }
        var meanStep = [Float](repeating: 0, count: length + 1)
        for k in 1..<length {
            var s: Float = 0
            for t in 0..<along { s += abs(value(k, t) - value(k - 1, t)) }
            meanStep[k] = s / Float(along)
        }
        var best: (Int, Float)? = nil
        for k in margin...(length - margin) where k >= 2 && k <= length - 2 {
            let ratio = meanStep[k] / (0.5 * (meanStep[k - 1] + meanStep[k + 1]) + 1)
            guard ratio >= minimumRatio, ratio > (best?.1 ?? 0) else { continue }
            var steps = 0
            for t in 0..<along {
                let d = abs(value(k, t) - value(k - 1, t))
                let left = abs(value(k - 1, t) - value(k - 2, t)), right = abs(value(k + 1, t) - value(k, t))
                if d >= minimumStep && d >= left && d >= right { steps += 1 }
            }
            if Float(steps) >= minimumShare * Float(along) { best = (rect.x * (vertical ? 1 : 0) + rect.y * (vertical ? 0 : 1) + k, ratio) }
        }
        return best.map { (at: $0.0, ratio: $0.1) }
    }

    /// Mean of each f×f block (the remainder rows and columns are left out of the analysis).
    static func boxAveraged(_ L: PlanarImage, factor f: Int) -> PlanarImage {
        let w = L.width / f, h = L.height / f
        var out = PlanarImage(width: w, height: h, channels: 1)
        let inv = 1 / Float(f * f)
        for y in 0..<h {
            for x in 0..<w {
                var s: Float = 0
                for dy in 0..<f { for dx in 0..<f { s += L.data[(y * f + dy) * L.width + x * f + dx] } }
                out.data[y * w + x] = s * inv
            }
        }
        return out
    }
}

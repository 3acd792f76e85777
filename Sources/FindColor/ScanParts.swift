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
/// are cut, each along the black or white bars that frame it (docs/quality.md).
public enum ScanParts {
    public static let minimumRatio: Float = 4
    public static let minimumShare: Float = 0.5
    public static let minimumStep: Float = 3
    public static let minimumPartFraction = 0.08
    public static let minimumPartPixels = 32
    /// The search runs on L* area-downsampled by an integer factor to a short side of at most this.
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
        let A = f == 1 ? L : resizeArea(L, width: L.width / f, height: L.height / f)
        var out: [Rect] = []
        split(Rect(x: 0, y: 0, width: A.width, height: A.height), Rect(x: 0, y: 0, width: L.width, height: L.height),
              A: A, L: L, f: f, depth: 0, into: &out)
        return out
    }

    /// Cuts `rect` (analysis grid) and `full` (the same part in the photo's pixels) until no seam
    /// is left; appends the full-resolution parts. Each cut is placed in the photo once, so the
    /// parts tile the photo exactly.
    private static func split(_ rect: Rect, _ full: Rect, A: PlanarImage, L: PlanarImage, f: Int, depth: Int,
                              into out: inout [Rect]) {
        let v = depth < 16 ? bestCut(A, rect, vertical: true, f: f) : nil
        let h = depth < 16 ? bestCut(A, rect, vertical: false, f: f) : nil
        if let v, v.ratio >= (h?.ratio ?? 0) {
            let c = fullResolutionCut(v.at, vertical: true, A: A, L: L, f: f, within: full)
            split(Rect(x: rect.x, y: rect.y, width: v.at - rect.x, height: rect.height),
                  Rect(x: full.x, y: full.y, width: c - full.x, height: full.height), A: A, L: L, f: f, depth: depth + 1, into: &out)
            split(Rect(x: v.at, y: rect.y, width: rect.x + rect.width - v.at, height: rect.height),
                  Rect(x: c, y: full.y, width: full.x + full.width - c, height: full.height), A: A, L: L, f: f, depth: depth + 1, into: &out)
        } else if let h {
            let c = fullResolutionCut(h.at, vertical: false, A: A, L: L, f: f, within: full)
            split(Rect(x: rect.x, y: rect.y, width: rect.width, height: h.at - rect.y),
                  Rect(x: full.x, y: full.y, width: full.width, height: c - full.y), A: A, L: L, f: f, depth: depth + 1, into: &out)
            split(Rect(x: rect.x, y: h.at, width: rect.width, height: rect.y + rect.height - h.at),
                  Rect(x: full.x, y: c, width: full.width, height: full.y + full.height - c), A: A, L: L, f: f, depth: depth + 1, into: &out)
        } else {
            out.append(full)
        }
    }

    /// A cut at analysis column (row) `a` in the photo's pixels: where it maps to (the analysis grid
    /// is photo / A, a little over f, times coarser), moved to the strongest full-resolution step
    /// within about one analysis pixel, along the part `within` only; kept inside that part.
    private static func fullResolutionCut(_ a: Int, vertical: Bool, A: PlanarImage, L: PlanarImage, f: Int,
                                          within full: Rect) -> Int {
        let n = vertical ? A.width : A.height, size = vertical ? L.width : L.height
        let centre = Int((Double(a) * Double(size) / Double(n)).rounded())
        let lo = (vertical ? full.x : full.y) + 1, hi = (vertical ? full.x + full.width : full.y + full.height) - 1
        guard f > 1 else { return min(max(centre, lo), hi) }
        let across = vertical ? full.y..<(full.y + full.height) : full.x..<(full.x + full.width)
        var best = min(max(centre, lo), hi), bestStep: Float = -1
        // From one analysis pixel before the mapped line to the end of the pixel after it (a seam
        // spread over analysis column a lies between a·(photo / A) and (a + 1)·(photo / A)).
        let first = max(lo, centre - f + 1), last = min(hi, centre + 2 * f)
        for c in first..<max(first, last + 1) {
            var s: Float = 0
            for t in across {
                s += vertical ? abs(L.data[t * L.width + c] - L.data[t * L.width + c - 1])
                              : abs(L.data[c * L.width + t] - L.data[(c - 1) * L.width + t])
            }
            if s > bestStep { bestStep = s; best = c }
        }
        return best
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
        // Downsampled (f > 1), a seam that does not fall on a multiple of f is spread over one
        // analysis column (k, between k−1 and k+1): score that as a step from k−1 to k+1 too.
        var spanStep = [Float](repeating: 0, count: length + 1)
        if f > 1 {
            for k in 1..<(length - 1) {
                var s: Float = 0
                for t in 0..<along { s += abs(value(k + 1, t) - value(k - 1, t)) }
                spanStep[k] = s / Float(along)
            }
        }
        var best: (Int, Float)? = nil
        for k in margin...(length - margin) where k >= 2 && k <= length - 3 {
            for spread in f > 1 ? [false, true] : [false] {
                // The step is from `lo` to `hi`; its neighbours are the steps just outside.
                let lo = k - 1, hi = spread ? k + 1 : k
                let step = spread ? spanStep[k] : meanStep[k]
                let ratio = step / (0.5 * (meanStep[lo] + meanStep[hi + 1]) + 1)
                guard ratio >= minimumRatio, ratio > (best?.1 ?? 0) else { continue }
                var steps = 0
                for t in 0..<along {
                    let d = abs(value(hi, t) - value(lo, t))
                    let left = abs(value(lo, t) - value(lo - 1, t)), right = abs(value(hi + 1, t) - value(hi, t))
                    if d >= minimumStep && d >= left && d >= right { steps += 1 }
                }
                if Float(steps) >= minimumShare * Float(along) { best = ((vertical ? rect.x : rect.y) + k, ratio) }
            }
        }
        return best.map { (at: $0.0, ratio: $0.1) }
    }
}

/// Box (moving-average) filtering in O(1) per pixel with running sums.
///
/// The window is `(2r + 1) × (2r + 1)` pixels, clipped at the image border; each output is the mean
/// over the pixels actually inside the image (so borders are not darkened). Sums are accumulated in
/// Double, which keeps differences of large running sums exact enough for the variance computations
/// of the guided filter.
enum BoxFilter {
    /// Box mean of one plane. `input` has `width × height` samples; the result too.
    static func mean(_ input: UnsafeBufferPointer<Double>, width: Int, height: Int, radius r: Int) -> [Double] {
        precondition(input.count == width * height)
        if r == 0 || width == 0 || height == 0 { return Array(input) }
        // Horizontal pass: prefix sums per row.
        var horizontal = [Double](repeating: 0, count: width * height)
        var prefix = [Double](repeating: 0, count: width + 1)
        for y in 0..<height {
            let row = y * width
            for x in 0..<width { prefix[x + 1] = prefix[x] + input[row + x] }
            for x in 0..<width {
                let lo = max(0, x - r), hi = min(width - 1, x + r)
                horizontal[row + x] = (prefix[hi + 1] - prefix[lo]) / Double(hi - lo + 1)
            }
        }
        // Vertical pass: a running window sum per column, advanced one row at a time.
        var out = [Double](repeating: 0, count: width * height)
        var window = [Double](repeating: 0, count: width)
        for y in 0...min(r, height - 1) {
            for x in 0..<width { window[x] += horizontal[y * width + x] }
        }
        for y in 0..<height {
            let lo = max(0, y - r), hi = min(height - 1, y + r)
            let count = Double(hi - lo + 1)
            for x in 0..<width { out[y * width + x] = window[x] / count }
            // Slide: add row y + r + 1, drop row y − r.
            if y + r + 1 < height {
                let add = (y + r + 1) * width
                for x in 0..<width { window[x] += horizontal[add + x] }
            }
            if y - r >= 0 {
                let drop = (y - r) * width
                for x in 0..<width { window[x] -= horizontal[drop + x] }
            }
        }
        return out
    }

    static func mean(_ input: [Double], width: Int, height: Int, radius: Int) -> [Double] {
        input.withUnsafeBufferPointer { mean($0, width: width, height: height, radius: radius) }
    }
}

extension PlanarImage {
    /// Each channel replaced by its box mean over a `(2·radius + 1)²` window (clipped at the border,
    /// normalised by the number of pixels inside the image).
    public func boxFiltered(radius: Int) -> PlanarImage {
        precondition(radius >= 0, "the radius cannot be negative")
        var out = self
        for c in 0..<channels {
            let plane = self.plane(c).map(Double.init)
            let filtered = BoxFilter.mean(plane, width: width, height: height, radius: radius)
            for i in 0..<planeSize { out.data[c * planeSize + i] = Float(filtered[i]) }
        }
        return out
    }
}

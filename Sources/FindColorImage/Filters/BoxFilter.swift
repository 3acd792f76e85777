import FindColorParallel

/// Box (moving-average) filtering in O(1) per pixel: prefix sums along rows, a running window sum
/// down the columns. The one box filter of the project (the guided filter's means, the feathered
/// region masks and the smoothed lightness of local hints).
///
/// The window is `(2r + 1) × (2r + 1)` pixels. Sums are accumulated in Double, which keeps
/// differences of large running sums exact enough for the variance computations of the guided filter.
public enum BoxFilter {
    /// What the window sees beyond the image's border.
    public enum Edges: Sendable {
        /// The window is clipped to the image and the mean taken over the pixels inside it (borders
        /// are not darkened): the guided filter's rule.
        case clip
        /// The border pixels are repeated outward, every mean is over `(2r + 1)²` samples (a mask
        /// that touches the border stays exactly 1 there).
        case replicate
    }

    /// Box mean of one plane. `input` has `width × height` samples; the result too.
    public static func mean(_ input: UnsafeBufferPointer<Double>, width: Int, height: Int, radius r: Int,
                            edges: Edges = .clip) -> [Double] {
        precondition(input.count == width * height)
        precondition(r >= 0, "the radius cannot be negative")
        if r == 0 || width == 0 || height == 0 { return Array(input) }
        // Both passes write every sample: no zero-filling first.
        let horizontal = [Double](unsafeUninitializedCapacity: width * height) { buffer, count in
            horizontalMeans(input, into: buffer.baseAddress!, width: width, height: height, radius: r, edges: edges)
            count = width * height
        }
        return horizontal.withUnsafeBufferPointer { hz in
            [Double](unsafeUninitializedCapacity: width * height) { buffer, count in
                verticalMeans(hz.baseAddress!, into: buffer.baseAddress!, width: width, height: height, radius: r, edges: edges)
                count = width * height
            }
        }
    }

    /// Box mean of one plane in place: `plane` is replaced by its mean, with `scratch` (as many
    /// samples) for the horizontal pass: the same values as `mean`, without a new plane.
    public static func meanInPlace(_ plane: UnsafeMutableBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>,
                                   width: Int, height: Int, radius r: Int, edges: Edges = .clip) {
        precondition(plane.count == width * height && scratch.count >= width * height)
        precondition(r >= 0, "the radius cannot be negative")
        if r == 0 || width == 0 || height == 0 { return }
        horizontalMeans(UnsafeBufferPointer(plane), into: scratch.baseAddress!, width: width, height: height, radius: r, edges: edges)
        verticalMeans(scratch.baseAddress!, into: plane.baseAddress!, width: width, height: height, radius: r, edges: edges)
    }

    /// Each row's box mean along x, from prefix sums (rows in parallel).
    private static func horizontalMeans(_ input: UnsafeBufferPointer<Double>, into hp: UnsafeMutablePointer<Double>,
                                        width: Int, height: Int, radius r: Int, edges: Edges) {
        let full = Double(2 * r + 1)
        Parallel.forEachChunk(count: height, workPerItem: width * 4) { rows in
            let prefixBuffer = UnsafeMutablePointer<Double>.allocate(capacity: width + 1)
            defer { prefixBuffer.deallocate() }
            let prefix = prefixBuffer, source = input.baseAddress!
            prefix[0] = 0
            // Windows wholly inside the row (every one of 2r + 1 samples, either edge rule) are
            // the same expression for every x: a loop of its own, which vectorises; the same
            // arithmetic as at the ends.
            let inner = r..<max(r, width - r)
            for y in rows {
                let row = y * width, out = hp + row
                for x in 0..<width { prefix[x + 1] = prefix[x] + source[row + x] }
                for x in inner { out[x] = (prefix[x + r + 1] - prefix[x - r]) / full }
                for x in 0..<width where !inner.contains(x) {
                    let lo = max(0, x - r), hi = min(width - 1, x + r)
                    let inside = prefix[hi + 1] - prefix[lo]
                    switch edges {
                    case .clip:
                        out[x] = inside / Double(hi - lo + 1)
                    case .replicate:
                        let left = Double(max(0, r - x)), right = Double(max(0, x + r - (width - 1)))
                        out[x] = (inside + left * source[row] + right * source[row + width - 1]) / full
                    }
                }
            }
        }
    }

    /// The box mean down the columns of the horizontal means: a running window sum per column,
    /// advanced one row at a time (blocks of columns in parallel).
    private static func verticalMeans(_ hp: UnsafePointer<Double>, into op: UnsafeMutablePointer<Double>,
                                      width: Int, height: Int, radius r: Int, edges: Edges) {
        let full = Double(2 * r + 1)
        @inline(__always) func clamped(_ y: Int) -> Int { min(max(y, 0), height - 1) }
        Parallel.forEachRange(width, minimumChunk: max(64, (1 << 16) / max(1, height))) { columns in
            let x0 = columns.lowerBound, cw = columns.count
            var window = [Double](repeating: 0, count: cw)
            switch edges {
            case .clip:
                for y in 0...min(r, height - 1) {
                    for x in 0..<cw { window[x] += hp[y * width + x0 + x] }
                }
            case .replicate:
                for k in -r...r {
                    let row = clamped(k) * width + x0
                    for x in 0..<cw { window[x] += hp[row + x] }
                }
            }
            for y in 0..<height {
                let count: Double
                switch edges {
                case .clip: count = Double(min(height - 1, y + r) - max(0, y - r) + 1)
                case .replicate: count = full
                }
                let o = op + y * width + x0
                for x in 0..<cw { o[x] = window[x] / count }
                // Slide: add row y + r + 1, drop row y − r (clipped: only rows inside the image;
                // replicated: the nearest row inside).
                switch edges {
                case .clip:
                    if y + r + 1 < height {
                        let add = (y + r + 1) * width + x0
                        for x in 0..<cw { window[x] += hp[add + x] }
                    }
                    if y - r >= 0 {
                        let drop = (y - r) * width + x0
                        for x in 0..<cw { window[x] -= hp[drop + x] }
                    }
                case .replicate:
                    let add = clamped(y + r + 1) * width + x0, drop = clamped(y - r) * width + x0
                    if add != drop {
                        for x in 0..<cw { window[x] += hp[add + x] - hp[drop + x] }
                    }
                }
            }
        }
    }

    public static func mean(_ input: [Double], width: Int, height: Int, radius: Int, edges: Edges = .clip) -> [Double] {
        input.withUnsafeBufferPointer { mean($0, width: width, height: height, radius: radius, edges: edges) }
    }
}

extension PlanarImage {
    /// Each channel replaced by its box mean over a `(2·radius + 1)²` window (`BoxFilter`), by
    /// default clipped at the border and normalised by the number of pixels inside the image.
    public func boxFiltered(radius: Int, edges: BoxFilter.Edges = .clip) -> PlanarImage {
        precondition(radius >= 0, "the radius cannot be negative")
        var out = self
        for c in 0..<channels {
            let plane = self.plane(c).map(Double.init)
            let filtered = BoxFilter.mean(plane, width: width, height: height, radius: radius, edges: edges)
            for i in 0..<planeSize { out.data[c * planeSize + i] = Float(filtered[i]) }
        }
        return out
    }
}

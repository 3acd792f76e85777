import Foundation
import FindColorImage
import FindColorParallel

/// Context-adaptive inference: an image-wise pass for global context plus detail passes at higher
/// resolution for small faces and details, fused per pixel by confidence, with optional
/// horizontal-flip test-time augmentation.
///
/// The network was trained on crops of 128–192 px of photos with a short side of 176: it knows
/// objects at about that scale. The image-wise pass shows a large scan at a short side of 256, where
/// a face in a crowd is a few pixels wide. The detail passes show the photo again at 2×, 4×, … that
/// scale (`maxZoom`; never beyond the photo's own resolution), cut into overlapping windows, so that
/// some pass sees each part of the photo at the scale the network knows. Each pass's colours are
/// weighted per pixel by the square of its confidence (the peak probability of its colour
/// distribution at that pixel): a window that sees a face at the right scale is sure of it and wins
/// there; on a plain sky the image-wise pass, which sees the whole sky, is as sure and keeps it.
/// Measured on mosaics of development photos (MODEL_CARD.md, docs/quality.md: `findcolor eval --protocol
/// mosaic`). Hints are rasterised once per pass from the same rule (`Hint.scaled`) and cropped with
/// the windows, so a hint means the same in every window.
public struct EnsembleSpec: Codable, Equatable, Sendable {
    /// Short side of the image-wise pass (never above the photo's own).
    public var shortSide: Int
    /// Average the image-wise pass with the pass on the mirrored photo.
    public var flip: Bool
    /// Largest detail zoom (1: image-wise only; 2: also 2×; 4: also 4× (and 2× with `everyZoom`); …).
    public var maxZoom: Int
    /// Detail windows: side and stride in pixels of the zoomed photo (overlaps are feathered). The
    /// windows are laid out per axis by `Ensemble.layout`: as few as cover the pass with at least
    /// `window − stride` pixels of overlap, `window` to about `2·window − stride` pixels wide.
    public var window: Int
    public var stride: Int
    /// Also average the detail passes with their mirrored passes (twice their cost).
    public var flipDetail: Bool
    /// Finest detail pass, as a fraction of the photo's own resolution (1: up to the photo's pixels;
    /// 0.5: at most half of them, so that a photo is never seen larger than half its size).
    public var detailLimit: Double
    /// Fusion weight = confidence^fusionPower (0: plain average of the passes).
    public var fusionPower: Float
    /// Colour each photo of a scan that holds several (album page, contact sheet, mosaic, a frame
    /// between bars; found by `ScanParts`) as if it were alone.
    public var splitParts: Bool
    /// Run every detail zoom up to the finest (2×, 4×, …); false: the finest alone (a 2× pass
    /// between a 4× pass and the image-wise pass was worth +0.02 dB on average over five sets of
    /// whole-scan mosaics, −0.06 to +0.07 each, for 13 % of a 12 MP photo's time).
    public var everyZoom: Bool

    public init(shortSide: Int, flip: Bool, maxZoom: Int = 1, window: Int = 512, stride: Int = 448, flipDetail: Bool = false,
                detailLimit: Double = 1, fusionPower: Float = 2, splitParts: Bool = true, everyZoom: Bool = true) {
        self.shortSide = shortSide
        self.flip = flip
        self.maxZoom = maxZoom
        self.window = window
        self.stride = stride
        self.flipDetail = flipDetail
        self.detailLimit = detailLimit
        self.fusionPower = fusionPower
        self.splitParts = splitParts
        self.everyZoom = everyZoom
    }

    private enum CodingKeys: String, CodingKey { case shortSide, flip, maxZoom, window, stride, flipDetail, detailLimit, fusionPower, splitParts, everyZoom }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(shortSide: try c.decode(Int.self, forKey: .shortSide), flip: try c.decode(Bool.self, forKey: .flip),
                  maxZoom: try c.decodeIfPresent(Int.self, forKey: .maxZoom) ?? 1,
                  window: try c.decodeIfPresent(Int.self, forKey: .window) ?? 512,
                  stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? 448,
                  flipDetail: try c.decodeIfPresent(Bool.self, forKey: .flipDetail) ?? false,
                  detailLimit: try c.decodeIfPresent(Double.self, forKey: .detailLimit) ?? 1,
                  fusionPower: try c.decodeIfPresent(Float.self, forKey: .fusionPower) ?? 2,
                  splitParts: try c.decodeIfPresent(Bool.self, forKey: .splitParts) ?? true,
                  everyZoom: try c.decodeIfPresent(Bool.self, forKey: .everyZoom) ?? true)
    }

    /// Size of the pass at zoom `z` (1: the image-wise pass) for a `width × height` photo: the
    /// image-wise size times `z`, never beyond the photo's own.
    public func passSize(zoom z: Double, width: Int, height: Int) -> (width: Int, height: Int) {
        let (w0, h0) = Colorizer.fit(width: width, height: height, shortSide: shortSide)
        return (min(width, max(w0, Int((Double(w0) * z).rounded()))), min(height, max(h0, Int((Double(h0) * z).rounded()))))
    }

    /// Side of the windows of the pass at zoom `z` (`Ensemble.layout` on each axis of `passSize`).
    public func windowSize(zoom z: Double, width: Int, height: Int) -> (width: Int, height: Int) {
        let p = passSize(zoom: z, width: width, height: height)
        return (Ensemble.layout(length: p.width, window: window, stride: stride).side,
                Ensemble.layout(length: p.height, window: window, stride: stride).side)
    }

    /// The zoom factors of the detail passes for a photo whose short side is `photoShortSide`:
    /// 2×, 4×, … up to `maxZoom`, the last one capped at the photo's own resolution, and kept only
    /// if it is at least 1.5× the previous (a pass that barely zooms adds cost, not detail); without
    /// `everyZoom`, the finest of them alone.
    public func zooms(photoShortSide: Int) -> [Double] {
        let every = everyZoomFactors(photoShortSide: photoShortSide)
        return everyZoom ? every : Array(every.suffix(1))
    }

    private func everyZoomFactors(photoShortSide: Int) -> [Double] {
        let available = detailLimit * Double(photoShortSide) / Double(shortSide)
        var out: [Double] = []
        var z = 1.0
        while z * 2 <= Double(maxZoom) + 1e-9 {
            let next = min(z * 2, available)
            if next < z * 1.5 { break }
            out.append(next)
            z = next
        }
        return out
    }
}

/// Documented presets (chosen by measurement with `findcolor eval`; see the README).
///
/// The image-wise pass runs at a short side of 256, the scale the network was trained at. `balanced`
/// adds the flip and one detail pass, at 4× or less: never finer than half the photo's own
/// resolution (`detailLimit` 0.5: a pass that shows a 512-px photo whole at 512 px cost 0.3 dB on
/// single photos in the mosaic protocol's each-tile-alone runs, so photos with a short side under
/// 1024 px get the image-wise pass only and cost what they did); `best` runs every zoom (2× and 4×),
/// flips the detail passes and overlaps its windows more.
public enum EnsemblePreset: String, CaseIterable, Codable, Sendable {
    case fast, balanced, best

    public var spec: EnsembleSpec {
        switch self {
        case .fast: return EnsembleSpec(shortSide: 256, flip: false)
        case .balanced: return EnsembleSpec(shortSide: 256, flip: true, maxZoom: 4, window: 512, stride: 448, detailLimit: 0.5, everyZoom: false)
        case .best: return EnsembleSpec(shortSide: 256, flip: true, maxZoom: 4, window: 512, stride: 384, flipDetail: true, detailLimit: 0.5)
        }
    }
}

public struct Ensemble {
    let colorizer: Colorizer
    let spec: EnsembleSpec
    /// Passed to every network pass (see `ColorizeSettings.vividness`).
    var vividness: Float = 0

    /// ab fused at the finest pass's resolution, and L at that resolution; a scan of several photos
    /// (`ScanParts`, when `spec.splitParts`) one photo at a time.
    func run(L: PlanarImage, hints: [Hint]) -> (ab: PlanarImage, L: PlanarImage) {
        if spec.splitParts {
            let parts = colorizer.passCache?.parts(of: L) ?? ScanParts.parts(of: L)
            if parts.count > 1 { return run(L: L, hints: hints, parts: parts) }
        }
        return runWhole(L: L, hints: hints)
    }

    /// Each part through `runWhole` as a photo of its own, with the hints whose centre lies in it;
    /// the parts' ab assembled at the finest of their resolutions (bilinear), with L at that size.
    func run(L: PlanarImage, hints: [Hint], parts: [ScanParts.Rect]) -> (ab: PlanarImage, L: PlanarImage) {
        var results: [(rect: ScanParts.Rect, ab: PlanarImage)] = []
        var scale = 0.0
        for r in parts {
            let mine = hints.compactMap { h -> Hint? in
                let cx = h.x + h.size / 2, cy = h.y + h.size / 2
                guard cx >= r.x, cx < r.x + r.width, cy >= r.y, cy < r.y + r.height else { return nil }
                var moved = h
                moved.size = min(h.size, r.width, r.height)
                moved.x = min(max(0, h.x - r.x), r.width - moved.size)
                moved.y = min(max(0, h.y - r.y), r.height - moved.size)
                return moved
            }
            let (ab, _) = runWhole(L: L.cropped(x: r.x, y: r.y, width: r.width, height: r.height), hints: mine)
            scale = max(scale, Double(ab.width) / Double(r.width), Double(ab.height) / Double(r.height))
            results.append((r, ab))
        }
        scale = min(1, scale)
        let wc = max(1, Int((Double(L.width) * scale).rounded())), hc = max(1, Int((Double(L.height) * scale).rounded()))
        var ab = PlanarImage(width: wc, height: hc, channels: 2)
        let edge = { (v: Int, full: Int, canvas: Int) in v >= full ? canvas : Int((Double(v) * scale).rounded()) }
        for (r, abPart) in results {
            let x0 = edge(r.x, L.width, wc), x1 = edge(r.x + r.width, L.width, wc)
            let y0 = edge(r.y, L.height, hc), y1 = edge(r.y + r.height, L.height, hc)
            guard x1 > x0, y1 > y0 else { continue }
            let fitted = abPart.width == x1 - x0 && abPart.height == y1 - y0 ? abPart
                : resizeBilinear(abPart, width: x1 - x0, height: y1 - y0)
            for c in 0..<2 {
                for y in y0..<y1 {
                    let src = c * fitted.planeSize + (y - y0) * fitted.width, dst = c * ab.planeSize + y * wc + x0
                    ab.data.replaceSubrange(dst..<dst + (x1 - x0), with: fitted.data[src..<src + (x1 - x0)])
                }
            }
        }
        return (ab, resized(L, wc, hc))
    }

    /// The passes over the photo as one scene.
    func runWhole(L: PlanarImage, hints: [Hint]) -> (ab: PlanarImage, L: PlanarImage) {
        let (w0, h0) = Colorizer.fit(width: L.width, height: L.height, shortSide: spec.shortSide)
        let L0 = resized(L, w0, h0)
        let zooms = spec.zooms(photoShortSide: min(L.width, L.height))
        let image = flipAveraged(L: L0, hints: hints, sourceWidth: L.width, sourceHeight: L.height, confidence: !zooms.isEmpty)
        guard let finest = zooms.last else { return (image, L0) }
        let size = { (z: Double) in spec.passSize(zoom: z, width: L.width, height: L.height) }
        let (wf, hf) = size(finest)
        var passes = [image]
        for z in zooms {
            let (wp, hp) = size(z)
            let Lp = resized(L, wp, hp)
            let rp = colorizer.raster(hints, sourceWidth: L.width, sourceHeight: L.height, width: wp, height: hp)
            passes.append(windows(L: Lp, raster: rp, window: spec.window, stride: spec.stride))
        }
        let ab = Self.fuse(passes, width: wf, height: hf, power: spec.fusionPower)
        return (ab, resized(L, wf, hf))
    }

    /// Per-pixel fusion of passes given as [a, b, confidence] planes (each resized bilinearly to
    /// width × height): ab = Σ wᵢ·abᵢ / Σ wᵢ with wᵢ = max(confidenceᵢ, 10⁻³)^power.
    static func fuse(_ passes: [PlanarImage], width wf: Int, height hf: Int, power: Float) -> PlanarImage {
        let n = wf * hf
        let fitted = passes.map { $0.width == wf && $0.height == hf ? $0 : resizeBilinear($0, width: wf, height: hf) }
        var ab = PlanarImage(width: wf, height: hf, channels: 2)
        // Pixels are independent: rows in parallel, the passes accumulated in the same order as ever.
        ab.data.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            Parallel.forEachChunk(count: hf, workPerItem: wf * 3 * fitted.count) { rows in
                let range = rows.lowerBound * wf..<rows.upperBound * wf
                var sa = [Float](repeating: 0, count: range.count), sb = sa, sw = sa
                for p in fitted {
                    p.data.withUnsafeBufferPointer { d in
                        for (j, i) in range.enumerated() {
                            let c = max(d[2 * n + i], 1e-3), w = power == 2 ? c * c : pow(c, power)
                            sa[j] += w * d[i]
                            sb[j] += w * d[n + i]
                            sw[j] += w
                        }
                    }
                }
                for (j, i) in range.enumerated() {
                    o[i] = sa[j] / sw[j]
                    o[n + i] = sb[j] / sw[j]
                }
            }
        }
        return ab
    }

    func resized(_ L: PlanarImage, _ w: Int, _ h: Int) -> PlanarImage { Self.resized(L, w, h) }

    /// L* (or any plane) at a pass's size: area average down, bicubic up.
    static func resized(_ L: PlanarImage, _ w: Int, _ h: Int) -> PlanarImage {
        if L.width == w && L.height == h { return L }
        return w <= L.width ? resizeArea(L, width: w, height: h) : resizeBicubic(L, width: w, height: h)
    }

    /// One pass (plus the mirrored pass when `spec.flip`) of the whole image: [a, b] and, with
    /// `confidence`, a third plane with the pass's confidence (see `passWithConfidence`).
    func flipAveraged(L: PlanarImage, hints: [Hint], sourceWidth: Int, sourceHeight: Int, confidence: Bool) -> PlanarImage {
        let raster = colorizer.raster(hints, sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: L.width, height: L.height)
        return flipAveraged(L: L, raster: raster, flip: spec.flip, confidence: confidence)
    }

    func flipAveraged(L: PlanarImage, raster: PlanarImage, flip: Bool, confidence: Bool) -> PlanarImage {
        var out = passWithConfidence(L: L, raster: raster, confidence: confidence)
        guard flip else { return out }
        let mirrored = Self.mirrored(passWithConfidence(L: Self.mirrored(L), raster: Self.mirrored(raster), confidence: confidence))
        for i in 0..<out.data.count { out.data[i] = 0.5 * (out.data[i] + mirrored.data[i]) }
        return out
    }

    /// One network pass: ab, plus (with `confidence`) the peak probability of the colour
    /// distribution at each pixel (bilinear from the bin head's grid, `ModelConfig.logitsStride`), as a third plane.
    /// Taken from `Colorizer.passCache` when the same pass ran recently.
    func passWithConfidence(L: PlanarImage, raster: PlanarImage, confidence: Bool) -> PlanarImage {
        let cache = colorizer.passCache
        if let kept = cache?.output(L: L, raster: raster, vividness: vividness, confidence: confidence) { return kept }
        let (ab, logits) = colorizer.pass(L: L, hints: raster, logits: confidence, vividness: vividness)
        var out = ab
        if confidence, let logits {
            let peak = Colorizer.upsampled(Colorizer.peakProbability(logits), width: L.width, height: L.height, factor: colorizer.config.logitsStride)
            out = PlanarImage(stacking: [ab.channel(0), ab.channel(1), peak])
        }
        cache?.store(L: L, raster: raster, vividness: vividness, output: out)
        return out
    }

    /// Detail pass: overlapping windows, each through the network (with the flip when asked),
    /// [a, b, confidence] blended with feathered weights normalised by their sum (no seams).
    func windows(L: PlanarImage, raster: PlanarImage, window: Int, stride: Int) -> PlanarImage {
        Self.windows(L: L, raster: raster, window: window, stride: stride) { Lw, rw in
            flipAveraged(L: Lw, raster: rw, flip: spec.flipDetail, confidence: true)
        }
    }

    /// The window loop and the feathered blending, with `run` giving the planes (any number, e.g.
    /// [a, b, confidence]) for one window. Windows follow `layout` on each axis.
    static func windows(L: PlanarImage, raster: PlanarImage, window: Int, stride: Int,
                        run: (PlanarImage, PlanarImage) -> PlanarImage) -> PlanarImage {
        let W = L.width, H = L.height, n = W * H
        let columns = layout(length: W, window: window, stride: stride)
        let rows = layout(length: H, window: window, stride: stride)
        let feather = Float(max(1, window - stride))
        // The feathered weights along each axis, once per window position.
        let rampX = columns.starts.map { x0 in
            (0..<columns.side).map { ramp($0, length: columns.side, feather: feather, atStart: x0 == 0, atEnd: x0 + columns.side == W) }
        }
        let rampY = rows.starts.map { y0 in
            (0..<rows.side).map { ramp($0, length: rows.side, feather: feather, atStart: y0 == 0, atEnd: y0 + rows.side == H) }
        }
        var acc: PlanarImage? = nil
        var wsum = [Float](repeating: 0, count: n)
        let ww = columns.side, wh = rows.side
        for (iy, y0) in rows.starts.enumerated() {
            for (ix, x0) in columns.starts.enumerated() {
                let Lw = L.cropped(x: x0, y: y0, width: ww, height: wh)
                let rw = raster.cropped(x: x0, y: y0, width: ww, height: wh)
                let out = run(Lw, rw)
                if acc == nil { acc = PlanarImage(width: W, height: H, channels: out.channels) }
                let C = out.channels, m = ww * wh
                let wx = rampX[ix], wy = rampY[iy]
                // Rows of one window are disjoint: blended in parallel.
                acc!.data.withUnsafeMutableBufferPointer { a in
                    wsum.withUnsafeMutableBufferPointer { s in
                        out.data.withUnsafeBufferPointer { o in
                            let a = a.baseAddress!, s = s.baseAddress!, o = o.baseAddress!
                            Parallel.forEachChunk(count: wh, workPerItem: ww * (C + 1)) { ys in
                                for y in ys {
                                    let row = (y0 + y) * W + x0, src = y * ww, fy = wy[y]
                                    for x in 0..<ww {
                                        let w = wx[x] * fy
                                        for c in 0..<C { a[c * n + row + x] += w * o[c * m + src + x] }
                                        s[row + x] += w
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var result = acc!
        let C = result.channels
        result.data.withUnsafeMutableBufferPointer { r in
            wsum.withUnsafeBufferPointer { s in
                let r = r.baseAddress!, s = s.baseAddress!
                Parallel.forEachChunk(count: H, workPerItem: W * C) { ys in
                    for i in ys.lowerBound * W..<ys.upperBound * W {
                        let inv = 1 / max(s[i], 1e-6)
                        for c in 0..<C { r[c * n + i] *= inv }
                    }
                }
            }
        }
        return result
    }

    /// Windows along one axis of `length` pixels: the fewest that cover it with at least
    /// `window − stride` pixels of overlap, each at least `window` (or the whole length) and at
    /// most `window − stride` pixels more, a multiple of 32 where the length allows (the network's
    /// input multiple), spread evenly. A 1024-px pass gets two 544-px windows, not three 512-px ones
    /// (the third, at stride 448, added 64 new pixels for a whole window's cost).
    static func layout(length: Int, window: Int, stride: Int) -> (side: Int, starts: [Int]) {
        if length <= window { return (length, [0]) }
        let overlap = window - stride
        if length <= window + overlap { return (length, [0]) }
        let count = (length - overlap + window - 1) / window
        let even = (length + (count - 1) * overlap + count - 1) / count
        let side = min(length, max(window, (even + 31) / 32 * 32))
        let starts = (0..<count).map { i in
            Int((Double(i) * Double(length - side) / Double(count - 1)).rounded())
        }
        return (side, starts)
    }

    /// Feathered weight along one axis: a raised-cosine ramp over `feather` pixels at window edges
    /// that lie inside the image, 1 at edges on the image border.
    static func ramp(_ i: Int, length: Int, feather: Float, atStart: Bool, atEnd: Bool) -> Float {
        var w: Float = 1
        let d0 = Float(i) + 0.5, d1 = Float(length - i) - 0.5
        if !atStart && d0 < feather { w = min(w, 0.5 - 0.5 * cos(Float.pi * d0 / feather)) }
        if !atEnd && d1 < feather { w = min(w, 0.5 - 0.5 * cos(Float.pi * d1 / feather)) }
        return max(w, 1e-4)
    }

    static func mirrored(_ img: PlanarImage) -> PlanarImage {
        var out = img
        let W = img.width
        for c in 0..<img.channels {
            for y in 0..<img.height {
                let row = c * img.planeSize + y * W
                for x in 0..<W { out.data[row + x] = img.data[row + W - 1 - x] }
            }
        }
        return out
    }

    /// Binary mask (> 0.5) softened by two box blurs of `radius` (edges replicated, so a region that
    /// touches the border stays 1 there): 1 well inside, 0 beyond 2·radius
    /// outside, a smooth ramp across the boundary.
    static func featheredMask(_ mask: PlanarImage, radius: Int) -> PlanarImage {
        var m = mask
        for i in 0..<m.data.count { m.data[i] = m.data[i] > 0.5 ? 1 : 0 }
        var f = m.boxFiltered(radius: radius, edges: .replicate).boxFiltered(radius: radius, edges: .replicate)
        // Running sums drift by ~1e-8: snap to exact 0 and 1 so that "outside" means untouched.
        for i in 0..<f.data.count { f.data[i] = f.data[i] < 1e-5 ? 0 : (f.data[i] > 1 - 1e-5 ? 1 : f.data[i]) }
        return f
    }

    /// weight · a + (1 − weight) · b, per pixel, for 2-channel images.
    static func blend(_ a: PlanarImage, _ b: PlanarImage, weight: PlanarImage) -> PlanarImage {
        var out = a
        let n = a.planeSize
        for c in 0..<a.channels {
            for i in 0..<n {
                let w = weight.data[i]
                out.data[c * n + i] = w * a.data[c * n + i] + (1 - w) * b.data[c * n + i]
            }
        }
        return out
    }
}

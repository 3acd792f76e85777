import Foundation
import FindColorImage

/// Context-adaptive inference: an image-wise pass for global context plus patch-wise passes at
/// higher resolution for small faces and details, fused, with optional horizontal-flip test-time
/// augmentation.
public struct EnsembleSpec: Codable, Equatable, Sendable {
    /// A patch-wise pass: the photo at `scale` × the image-wise working resolution, cut into
    /// `window`² windows every `stride` pixels (overlaps blended with feathered weights). Fused with
    /// the image-wise pass as (patchWeight · patches + imageWeight · image) / (patchWeight + imageWeight).
    public struct PatchPass: Codable, Equatable, Sendable {
        public var scale: Double
        public var window: Int
        public var stride: Int
        public var patchWeight: Double
        public var imageWeight: Double

        public init(scale: Double, window: Int, stride: Int, patchWeight: Double = 1, imageWeight: Double = 1) {
            self.scale = scale
            self.window = window
            self.stride = stride
            self.patchWeight = patchWeight
            self.imageWeight = imageWeight
        }
    }

    /// Short side of the image-wise pass (never above the photo's own).
    public var shortSide: Int
    /// Average with the pass on the mirrored photo.
    public var flip: Bool
    public var patches: [PatchPass]

    public init(shortSide: Int, flip: Bool, patches: [PatchPass]) {
        self.shortSide = shortSide
        self.flip = flip
        self.patches = patches
    }

    public func validate() throws {
        guard (32...4096).contains(shortSide) else { throw FindColorError.invalidOption("working size must be in 32…4096, got \(shortSide)") }
        for p in patches {
            guard p.scale >= 0.5, p.scale <= 4 else { throw FindColorError.invalidOption("patch scale must be in 0.5…4, got \(p.scale)") }
            guard p.window >= 64, p.window % 32 == 0 else { throw FindColorError.invalidOption("patch window must be a multiple of 32 and ≥ 64, got \(p.window)") }
            guard p.stride >= 16, p.stride <= p.window else { throw FindColorError.invalidOption("patch stride must be in 16…window, got \(p.stride)") }
            guard p.patchWeight >= 0, p.imageWeight >= 0, p.patchWeight + p.imageWeight > 0 else {
                throw FindColorError.invalidOption("patch and image weights must be ≥ 0 and not both 0")
            }
        }
    }
}

/// Documented presets (chosen by measurement with `findcolor eval`; see the README).
///
/// The image-wise pass runs at a short side of 256, the scale the network was trained at: with the
/// v1 model, on the 194 development photos at their own size (`--protocol native`, short sides
/// ~300–640) it beat 384 and 512 (PSNR@0 23.56 vs 23.50 vs 23.50 dB, PSNR@10 25.80 vs 25.45 vs
/// 25.44 dB). The flip
/// (`balanced`) adds ~0.07 dB under protocol A. The patch pass of `best` (2× the working scale)
/// is for multi-megapixel scans with small faces; on the small development photos it does not help.
public enum EnsemblePreset: String, CaseIterable, Codable, Sendable {
    case fast, balanced, best

    public var spec: EnsembleSpec {
        switch self {
        case .fast: return EnsembleSpec(shortSide: 256, flip: false, patches: [])
        case .balanced: return EnsembleSpec(shortSide: 256, flip: true, patches: [])
        case .best: return EnsembleSpec(shortSide: 256, flip: true,
                                        patches: [.init(scale: 2, window: 384, stride: 320, patchWeight: 1, imageWeight: 1)])
        }
    }
}

public struct Ensemble {
    let colorizer: Colorizer
    let spec: EnsembleSpec
    /// Passed to every network pass (see `ColorizeRequest.vividness`).
    var vividness: Float = 0

    /// ab fused at the finest pass's resolution, and L at that resolution.
    func run(L: PlanarImage, hints: [Hint]) -> (ab: PlanarImage, L: PlanarImage) {
        let (w0, h0) = Colorizer.fit(width: L.width, height: L.height, shortSide: spec.shortSide)
        let L0 = resized(L, w0, h0)
        let image = flipAveraged(L: L0, hints: hints, sourceWidth: L.width, sourceHeight: L.height)
        guard !spec.patches.isEmpty else { return (image, L0) }
        // Fusion at the largest patch resolution (capped at the photo's own size).
        let maxScale = spec.patches.map(\.scale).max()!
        let wf = min(L.width, max(w0, Int((Double(w0) * maxScale).rounded())))
        let hf = min(L.height, max(h0, Int((Double(h0) * maxScale).rounded())))
        let Lf = resized(L, wf, hf)
        var acc = PlanarImage(width: wf, height: hf, channels: 2)
        var total = 0.0
        let imageUp = resizeBilinear(image, width: wf, height: hf)
        for p in spec.patches {
            let wp = max(1, Int((Double(w0) * p.scale).rounded())), hp = max(1, Int((Double(h0) * p.scale).rounded()))
            let Lp = resized(L, wp, hp)
            let rp = colorizer.raster(hints, sourceWidth: L.width, sourceHeight: L.height, width: wp, height: hp)
            var patch = windows(L: Lp, raster: rp, window: p.window, stride: p.stride)
            if wp != wf || hp != hf { patch = resizeBilinear(patch, width: wf, height: hf) }
            for i in 0..<acc.data.count {
                acc.data[i] += Float(p.patchWeight) * patch.data[i] + Float(p.imageWeight) * imageUp.data[i]
            }
            total += p.patchWeight + p.imageWeight
        }
        let inv = Float(1 / total)
        for i in 0..<acc.data.count { acc.data[i] *= inv }
        return (acc, Lf)
    }

    func resized(_ L: PlanarImage, _ w: Int, _ h: Int) -> PlanarImage {
        if L.width == w && L.height == h { return L }
        return w <= L.width ? resizeArea(L, width: w, height: h) : resizeBicubic(L, width: w, height: h)
    }

    /// One pass (plus the mirrored pass when `spec.flip`) of the whole image.
    func flipAveraged(L: PlanarImage, hints: [Hint], sourceWidth: Int, sourceHeight: Int) -> PlanarImage {
        let raster = colorizer.raster(hints, sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: L.width, height: L.height)
        var ab = colorizer.pass(L: L, hints: raster, vividness: vividness).ab
        guard spec.flip else { return ab }
        let mirrored = Self.mirrored(colorizer.pass(L: Self.mirrored(L), hints: Self.mirrored(raster), vividness: vividness).ab)
        for i in 0..<ab.data.count { ab.data[i] = 0.5 * (ab.data[i] + mirrored.data[i]) }
        return ab
    }

    /// Patch-wise pass: overlapping windows, each through the network (with the flip when asked),
    /// blended with feathered weights normalised by their sum (no seams at window borders).
    func windows(L: PlanarImage, raster: PlanarImage, window: Int, stride: Int) -> PlanarImage {
        Self.windows(L: L, raster: raster, window: window, stride: stride) { Lw, rw in
            var ab = colorizer.pass(L: Lw, hints: rw, vividness: vividness).ab
            if spec.flip {
                let m = Self.mirrored(colorizer.pass(L: Self.mirrored(Lw), hints: Self.mirrored(rw), vividness: vividness).ab)
                for i in 0..<ab.data.count { ab.data[i] = 0.5 * (ab.data[i] + m.data[i]) }
            }
            return ab
        }
    }

    /// The window loop and the feathered blending, with `run` giving ab for one window.
    static func windows(L: PlanarImage, raster: PlanarImage, window: Int, stride: Int,
                        run: (PlanarImage, PlanarImage) -> PlanarImage) -> PlanarImage {
        let W = L.width, H = L.height
        let xs = Self.starts(length: W, window: window, stride: stride)
        let ys = Self.starts(length: H, window: window, stride: stride)
        var acc = PlanarImage(width: W, height: H, channels: 2)
        var wsum = [Float](repeating: 0, count: W * H)
        let n = W * H
        for y0 in ys {
            for x0 in xs {
                let ww = min(window, W - x0), wh = min(window, H - y0)
                let Lw = L.cropped(x: x0, y: y0, width: ww, height: wh)
                let rw = raster.cropped(x: x0, y: y0, width: ww, height: wh)
                let ab = run(Lw, rw)
                let feather = Float(max(1, window - stride))
                for y in 0..<wh {
                    let wy = Self.ramp(y, length: wh, feather: feather, atStart: y0 == 0, atEnd: y0 + wh == H)
                    for x in 0..<ww {
                        let wx = Self.ramp(x, length: ww, feather: feather, atStart: x0 == 0, atEnd: x0 + ww == W)
                        let w = wx * wy, i = (y0 + y) * W + x0 + x, j = y * ww + x
                        acc.data[i] += w * ab.data[j]
                        acc.data[n + i] += w * ab.data[ww * wh + j]
                        wsum[i] += w
                    }
                }
            }
        }
        for i in 0..<n {
            let inv = 1 / max(wsum[i], 1e-6)
            acc.data[i] *= inv
            acc.data[n + i] *= inv
        }
        return acc
    }

    /// Window start positions covering [0, length): every `stride`, the last one flush with the end.
    static func starts(length: Int, window: Int, stride: Int) -> [Int] {
        if length <= window { return [0] }
        var s = Array(Swift.stride(from: 0, to: length - window, by: stride))
        s.append(length - window)
        return s
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

    /// Binary mask (> 0.5) softened by two box blurs of `radius`: 1 well inside, 0 beyond 2·radius
    /// outside, a smooth ramp across the boundary.
    static func featheredMask(_ mask: PlanarImage, radius: Int) -> PlanarImage {
        var m = mask
        for i in 0..<m.data.count { m.data[i] = m.data[i] > 0.5 ? 1 : 0 }
        var f = boxBlur(boxBlur(m, radius: radius), radius: radius)
        // Running sums drift by ~1e-8: snap to exact 0 and 1 so that "outside" means untouched.
        for i in 0..<f.data.count { f.data[i] = f.data[i] < 1e-5 ? 0 : (f.data[i] > 1 - 1e-5 ? 1 : f.data[i]) }
        return f
    }

    /// Box blur of radius r, image edges replicated (a region touching the border stays 1 there).
    static func boxBlur(_ img: PlanarImage, radius r: Int) -> PlanarImage {
        let W = img.width, H = img.height
        var tmp = img, out = img
        let norm = 1 / Float(2 * r + 1)
        @inline(__always) func cl(_ i: Int, _ n: Int) -> Int { min(max(i, 0), n - 1) }
        for y in 0..<H {
            let row = y * W
            var s: Float = 0
            for k in -r...r { s += img.data[row + cl(k, W)] }
            for x in 0..<W {
                tmp.data[row + x] = s * norm
                s += img.data[row + cl(x + r + 1, W)] - img.data[row + cl(x - r, W)]
            }
        }
        for x in 0..<W {
            var s: Float = 0
            for k in -r...r { s += tmp.data[cl(k, H) * W + x] }
            for y in 0..<H {
                out.data[y * W + x] = s * norm
                s += tmp.data[cl(y + r + 1, H) * W + x] - tmp.data[cl(y - r, H) * W + x]
            }
        }
        return out
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

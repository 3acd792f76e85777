import Foundation
import FindColorImage
import FindColorNN

/// What to colourize with (user hints, a reference photo, optionally limited to a region) and how
/// (`settings`).
public struct ColorizeRequest: Sendable {
    public var hints: [Hint] = []
    /// A colour reference photo (sRGB, any size).
    public var reference: PlanarImage? = nil
    /// 1-channel mask in [0, 1] at the input's size; the reference applies where it is > 0.5.
    public var region: PlanarImage? = nil
    /// Preset, ensemble, vividness, global colour transfer (checked by `ColorizeSettings.validate`).
    public var settings = ColorizeSettings()

    public init(settings: ColorizeSettings = ColorizeSettings()) {
        self.settings = settings
    }
}

public struct ColorizeResult: Sendable {
    /// sRGB, 3 channels, the input's size. Its L* equals the input's L* up to gamut mapping and
    /// 8-bit rounding.
    public var rgb: PlanarImage
    public var milliseconds: Double
}

/// A colour the model finds plausible at a point (`findcolor suggest`, and the server's
/// `GET /api/projects/{id}/suggest`).
public struct SuggestedColor: Codable, Sendable, Equatable {
    public var a: Float
    public var b: Float
    public var probability: Float
    /// The sRGB colour at the point's lightness, e.g. "#7a5230".
    public var hex: String

    public init(a: Float, b: Float, probability: Float, hex: String) {
        self.a = a
        self.b = b
        self.probability = probability
        self.hex = hex
    }
}

/// The colorizer: decoding aside, everything between a photo's lightness and its colour.
///
/// Pipeline: L at full resolution → one or more network passes at working resolutions (the
/// ensemble) → ab fused at the finest pass's resolution → edge-aware (guided-filter) upsampling to
/// full resolution, guided by the full-resolution L → gamut-mapped sRGB. Not safe to call from
/// several threads at once: the network already uses every core.
public final class Colorizer: @unchecked Sendable {
    public let network: FindColorNetwork
    public var config: ModelConfig { network.config }
    public let modelURL: URL
    /// Edge-aware upsampling: guided filter radius (in low-resolution pixels) and ε (in L*² units).
    public var guidedRadius = 2
    public var guidedEpsilon: Float = 12

    public init(modelURL: URL, backend: Backend = .default) throws {
        let store: WeightStore
        do {
            store = try WeightStore(contentsOf: modelURL)
        } catch {
            throw FindColorError.model("cannot read \(modelURL.path): \(error)")
        }
        guard let json = store.metadata[ModelConfig.metadataKey] else {
            throw FindColorError.model("\(modelURL.lastPathComponent) has no FindColor configuration")
        }
        do {
            network = try FindColorNetwork(config: try ModelConfig.parse(json), weights: store, backend: backend)
        } catch let e as FindColorError {
            throw e
        } catch {
            throw FindColorError.model("\(modelURL.lastPathComponent): \(error)")
        }
        self.modelURL = modelURL
    }

    /// The bundled model (see `ModelLocator`).
    public static func bundled(backend: Backend = .default) throws -> Colorizer {
        try Colorizer(modelURL: try ModelLocator.bundledModelURL(), backend: backend)
    }

    // MARK: - One network pass

    /// Runs the network once on L (L* in [0, 100], any size ≥ 1×1) with hints (3 planes, same size).
    /// The input is reflect-padded to a multiple of 32; returns ab in Lab units at the input's size.
    /// With `vividness` > 0 the result moves that far towards the annealed mean of the colour
    /// distribution (see `ColorizeSettings.vividness`).
    public func pass(L: PlanarImage, hints: PlanarImage, logits: Bool = false, vividness: Float = 0) -> (ab: PlanarImage, logits: Tensor?) {
        let m = config.input.multiple_of
        let W = L.width, H = L.height
        let Wp = (W + m - 1) / m * m, Hp = (H + m - 1) / m * m
        let scale = config.input.L_scale
        let lt = Tensor(shape: TensorShape(n: 1, h: Hp, w: Wp, c: 1)) { _, y, x, _ in
            L[reflectIndex(x, count: W), reflectIndex(y, count: H), 0] * scale
        }
        let n = W * H
        let ht = Tensor(shape: TensorShape(n: 1, h: Hp, w: Wp, c: 3)) { _, y, x, c in
            y < H && x < W ? hints.data[c * n + y * W + x] : 0
        }
        let (ab, lg) = network(L: lt, hints: ht, logits: logits || vividness > 0)
        let s = config.input.ab_scale
        var out = PlanarImage(width: W, height: H, channels: 2)
        ab.withUnsafeBufferPointer { p in
            for y in 0..<H {
                for x in 0..<W {
                    let i = (y * Wp + x) * 2
                    out.data[y * W + x] = p[i] * s
                    out.data[n + y * W + x] = p[i + 1] * s
                }
            }
        }
        if vividness > 0, let lg {
            let vivid = Self.annealedMean(lg, centres: config.bin_centres, temperature: config.annealed_mean_T)
            Self.blendUpsampled(&out, vivid, weight: vividness)
        }
        return (out, logits ? lg : nil)
    }

    /// The annealed mean of the bin distribution (Zhang et al. 2016): per cell,
    /// Σ_q softmax(z / T)_q · centre_q, in Lab units. `logits` is 1×h×w×Q; the result has 2 planes.
    public static func annealedMean(_ logits: Tensor, centres: [[Float]], temperature: Float) -> PlanarImage {
        let h = logits.h, w = logits.w, q = logits.c
        precondition(centres.count == q, "\(q) logits but \(centres.count) bin centres")
        var out = PlanarImage(width: w, height: h, channels: 2)
        let n = w * h, invT = 1 / temperature
        var e = [Float](repeating: 0, count: q)
        logits.withUnsafeBufferPointer { p in
            for cell in 0..<n {
                let z = p.baseAddress! + cell * q
                var mx = -Float.infinity
                for k in 0..<q { mx = max(mx, z[k] * invT) }
                var sum: Float = 0, a: Float = 0, b: Float = 0
                for k in 0..<q {
                    e[k] = exp(z[k] * invT - mx)
                    sum += e[k]
                    a += e[k] * centres[k][0]
                    b += e[k] * centres[k][1]
                }
                out.data[cell] = a / sum
                out.data[n + cell] = b / sum
            }
        }
        return out
    }

    /// ab ← (1 − weight)·ab + weight·low, with `low` on the bin head's grid (see `upsampled`).
    static func blendUpsampled(_ ab: inout PlanarImage, _ low: PlanarImage, weight: Float, factor: Int = logitsStride) {
        let up = upsampled(low, width: ab.width, height: ab.height, factor: factor)
        for i in 0..<ab.data.count { ab.data[i] = (1 - weight) * ab.data[i] + weight * up.data[i] }
    }

    /// The bin head's resolution: one cell per `logitsStride`² input pixels.
    static let logitsStride = 4

    /// `low`, a grid `factor` times coarser over the same (possibly padded at the end) extent,
    /// sampled at `width × height` bilinearly with half-pixel centres (PyTorch's
    /// `align_corners=False`), edges clamped. Any number of planes.
    static func upsampled(_ low: PlanarImage, width W: Int, height H: Int, factor: Int) -> PlanarImage {
        var out = PlanarImage(width: W, height: H, channels: low.channels)
        let n = W * H, lw = low.width, lh = low.height, ln = lw * lh
        let f = Float(factor)
        for y in 0..<H {
            let sy = min(max((Float(y) + 0.5) / f - 0.5, 0), Float(lh - 1))
            let y0 = Int(sy), y1 = min(y0 + 1, lh - 1), fy = sy - Float(y0)
            for x in 0..<W {
                let sx = min(max((Float(x) + 0.5) / f - 0.5, 0), Float(lw - 1))
                let x0 = Int(sx), x1 = min(x0 + 1, lw - 1), fx = sx - Float(x0)
                for c in 0..<low.channels {
                    let o = c * ln
                    let top = low.data[o + y0 * lw + x0] * (1 - fx) + low.data[o + y0 * lw + x1] * fx
                    let bottom = low.data[o + y1 * lw + x0] * (1 - fx) + low.data[o + y1 * lw + x1] * fx
                    out.data[c * n + y * W + x] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return out
    }

    /// The peak probability softmax(z)_max of each cell's colour distribution: how sure the
    /// network is of one colour there (1/Q when it has no idea, near 1 when it is certain).
    static func peakProbability(_ logits: Tensor) -> PlanarImage {
        let h = logits.h, w = logits.w, q = logits.c
        var out = PlanarImage(width: w, height: h, channels: 1)
        logits.withUnsafeBufferPointer { p in
            for cell in 0..<w * h {
                let z = p.baseAddress! + cell * q
                var mx = -Float.infinity
                for k in 0..<q { mx = max(mx, z[k]) }
                var sum: Float = 0
                for k in 0..<q { sum += exp(z[k] - mx) }
                out.data[cell] = 1 / sum
            }
        }
        return out
    }

    // MARK: - Colorize

    /// Colourizes a decoded photo (1-channel gray or 3-channel sRGB; colour or toned photos are
    /// reduced to their L*). The result has the input's size.
    public func colorize(_ image: PlanarImage, _ request: ColorizeRequest) throws -> ColorizeResult {
        guard image.channels == 1 || image.channels == 3 else {
            throw FindColorError.invalidImage("expected a gray or RGB image, got \(image.channels) channels")
        }
        return try colorize(lightness: lightness(of: image), request)
    }

    /// Colourizes from the lightness plane (L* in [0, 100]) directly (lets callers free the decoded
    /// image first: a 24-megapixel scan then peaks well below 1 GB).
    public func colorize(lightness L: PlanarImage, _ request: ColorizeRequest) throws -> ColorizeResult {
        let t0 = DispatchTime.now()
        try validate(request, width: L.width, height: L.height)
        let spec = request.settings.ensemble
        let (abLow, Llow) = try fusedAB(L: L, request: request, spec: spec)
        let rgb = finish(L: L, ab: abLow, guideLow: Llow)
        return ColorizeResult(rgb: rgb, milliseconds: ms(since: t0))
    }

    /// A fast preview: the photo downscaled so its short side is at most `shortSide`, one pass.
    public func preview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int = 256) throws -> ColorizeResult {
        let t0 = DispatchTime.now()
        guard image.channels == 1 || image.channels == 3 else {
            throw FindColorError.invalidImage("expected a gray or RGB image, got \(image.channels) channels")
        }
        try validate(request, width: image.width, height: image.height)
        let (w, h) = Self.fit(width: image.width, height: image.height, shortSide: shortSide)
        let small = resizeArea(image, width: w, height: h)
        let Ls = lightness(of: small)
        var req = request
        req.region = request.region.map { resizeArea($0, width: w, height: h) }
        req.hints = request.hints.map { $0.scaled(fromWidth: image.width, fromHeight: image.height, toWidth: w, toHeight: h) }
        // One image-wise pass at `shortSide`, whatever the preset.
        let (ab, _) = try fusedAB(L: Ls, request: req, spec: EnsembleSpec(shortSide: shortSide, flip: false))
        let rgb = labToSRGB(lightness: Ls, ab: ab)
        return ColorizeResult(rgb: rgb, milliseconds: ms(since: t0))
    }

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
        let cx = min(logits.w - 1, px / 4), cy = min(logits.h - 1, py / 4)
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

    // MARK: - Internals

    func validate(_ r: ColorizeRequest, width: Int, height: Int) throws {
        try HintParser.validate(r.hints, imageWidth: width, imageHeight: height)
        if let region = r.region {
            guard region.width == width, region.height == height else {
                throw FindColorError.invalidRegion("the mask is \(region.width)×\(region.height) but the photo is \(width)×\(height)")
            }
            guard region.channels == 1 else { throw FindColorError.invalidRegion("the mask must have one channel") }
            guard r.reference != nil else { throw FindColorError.invalidRegion("a region needs a reference photo") }
            guard region.data.contains(where: { $0 > 0.5 }) else {
                throw FindColorError.invalidRegion("the mask is empty (no white pixels)")
            }
        }
        if let ref = r.reference {
            guard ref.channels == 3 else {
                throw FindColorError.invalidReference("the reference must be a colour photo (it has \(ref.channels) channel)")
            }
            let side = ColorizeRequest.minimumReferenceSide
            guard min(ref.width, ref.height) >= side else {
                throw FindColorError.invalidReference("the reference is too small (\(ref.width)×\(ref.height); at least \(side)×\(side))")
            }
        }
        do { try r.settings.validate() } catch let e as ColorizeSettings.Invalid { throw FindColorError.invalidOption(e.description) }
        if r.settings.transferGlobal && r.reference == nil {
            throw FindColorError.invalidOption("transferring global colours needs a reference photo")
        }
    }

    /// ab at the ensemble's fusion resolution, with L at that resolution (the guide).
    func fusedAB(L: PlanarImage, request: ColorizeRequest, spec: EnsembleSpec) throws -> (ab: PlanarImage, L: PlanarImage) {
        var hints = request.hints
        var refStats: ReferenceMatcher.ABStatistics? = nil
        if let ref = request.reference {
            let matcher = ReferenceMatcher(colorizer: self)
            let result = try matcher.hints(target: L, reference: ref, region: request.region, userHints: request.hints,
                                           shortSide: spec.shortSide)
            hints = result.hints + request.hints  // user hints last: they win where they overlap
            refStats = result.referenceStatistics
        }
        var ensemble = Ensemble(colorizer: self, spec: spec)
        ensemble.vividness = request.settings.vividness
        var (ab, Lf) = Self.runWithLocalHints(ensemble, L: L, hints: hints)
        if let region = request.region {
            // Outside the region the automatic result (user hints only), blended with a feathered mask.
            let (abAuto, _) = Self.runWithLocalHints(ensemble, L: L, hints: request.hints)
            let mask = Ensemble.featheredMask(resizeArea(region, width: ab.width, height: ab.height),
                                              radius: max(2, min(ab.width, ab.height) / 64))
            if let s = refStats, request.settings.transferGlobal {
                ab = ReferenceMatcher.transfer(ab, to: s, weights: mask)
            }
            ab = Ensemble.blend(ab, abAuto, weight: mask)
        } else if let s = refStats, request.settings.transferGlobal {
            ab = ReferenceMatcher.transfer(ab, to: s, weights: nil)
        }
        return (ab, Lf)
    }

    /// The ensemble's ab with `hints`; where some hints are `local`, what they change is kept only
    /// inside their edge-bounded regions (`LocalHintRegion`), at the cost of a second run without them.
    static func runWithLocalHints(_ ensemble: Ensemble, L: PlanarImage, hints: [Hint]) -> (ab: PlanarImage, L: PlanarImage) {
        let (ab, Lf) = ensemble.run(L: L, hints: hints)
        let local = hints.filter { $0.spread == .local }
        guard !local.isEmpty else { return (ab, Lf) }
        let (abOthers, _) = ensemble.run(L: L, hints: hints.filter { $0.spread != .local })
        let scaled = local.map { $0.scaled(fromWidth: L.width, fromHeight: L.height, toWidth: Lf.width, toHeight: Lf.height) }
        return (Ensemble.blend(ab, abOthers, weight: LocalHintRegion.weights(L: Lf, hints: scaled)), Lf)
    }

    /// Guided upsampling of ab to L's resolution, then Lab → gamut-mapped sRGB.
    func finish(L: PlanarImage, ab: PlanarImage, guideLow: PlanarImage) -> PlanarImage {
        if ab.width >= L.width && ab.height >= L.height {
            let abFull = ab.width == L.width && ab.height == L.height ? ab : resizeArea(ab, width: L.width, height: L.height)
            return labToSRGB(lightness: L, ab: abFull)
        }
        return guidedColorize(L: L, ab: ab, guideLow: guideLow, radius: guidedRadius, epsilon: guidedEpsilon)
    }

    /// The network's working size for a `width × height` photo: the aspect ratio kept, the short
    /// side `shortSide` = S (never larger than the input), and bounded in both dimensions, so that
    /// the network's memory (~230 bytes per working pixel) is bounded for any aspect ratio: at most
    /// `maxWorkingAspect`·S² pixels (a 4:1 photo at the full short side; wider photos are scaled
    /// down further: 65535×256 → 8192×32) and a long side of at most 4·S²/32 (8192 at S = 256), so
    /// that strips thinner than the network's multiple of 32 stay within 4·S² once padded. Padded,
    /// the network never sees more than ~8·S² pixels.
    public static func fit(width: Int, height: Int, shortSide: Int) -> (Int, Int) {
        let w = Double(max(1, width)), h = Double(max(1, height)), side = Double(shortSide)
        let maxPixels = Double(maxWorkingAspect) * side * side
        let s = min(1.0, side / min(w, h), (maxPixels / (w * h)).squareRoot(), maxPixels / 32 / max(w, h))
        return (max(1, Int((w * s).rounded())), max(1, Int((h * s).rounded())))
    }

    /// See `fit`: the working size holds at most this many S² pixels.
    public static let maxWorkingAspect = 4

    /// Hints given in a `sourceWidth × sourceHeight` photo as the network's hint planes at
    /// `width × height`, scaled by the model's ab scale.
    func raster(_ hints: [Hint], sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) -> PlanarImage {
        HintRaster.rasterize(hints, sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height,
                             abScale: config.input.ab_scale)
    }

    static func hex(L: Float, a: Float, b: Float) -> String {
        let rgb = GamutMapping.srgb(fromLab: LabColor(L: L, a: a, b: b))
        func byte(_ v: Float) -> Int { Int(Metrics.quantize(v)) }
        return String(format: "#%02x%02x%02x", byte(rgb.r), byte(rgb.g), byte(rgb.b))
    }
}

func ms(since t0: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6
}

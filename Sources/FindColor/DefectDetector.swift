import Foundation
import FindColorImage
import FindColorNN
import FindColorParallel

/// The defect detector (issue 15): where a scan is scratched, dusty, spotted, cracked or torn.
///
/// A small U-Net from L* to a defect probability per pixel, trained by
/// training/findcolor_train/train_repair.py on synthetic damage (training/findcolor_train/damage.py)
/// and exported to `Models/findcolor-repair-v1.safetensors`; `DefectNet.forward` in
/// training/findcolor_train/repair_model.py is the line-by-line reference for `logits`. Full
/// resolution 8 channels, /2 16, /4 32, /8 64, bilinear upsampling with skip concatenations, every
/// layer a 3×3 convolution with bias and ReLU, a 1×1 head; optionally (`Config.context`) a /16
/// level whose output, with the /8 features, is added to them (f3 ← ReLU(f3 + d3([up(f4), f3])));
/// optionally (`Config.features`, with the context level) frozen ImageNet features, MobileNetV2
/// blocks 0…13 on L/100 (`MobileNetV2`), whose /8 and /16 outputs pass 1×1 projections added to
/// the detector's own before their ReLU (f3 ← ReLU(e3b(·) + p3(g8)), f4 ← ReLU(e4b(·) + p4(g16))).
///
/// Photos whose short side exceeds `detectionShortSide` are searched at that short side (area
/// downsampling) and the probability is upsampled bilinearly to the photo's size: the network knows
/// damage only at the scale of its training photos (≤ 640 px), and at full resolution it misses the
/// damage of a large scan (measured on a scratched print upscaled to 12 MP: 1.18 % of the pixels
/// flagged with the photo at a 496-px short side, 0.25 % at 1024 px, 0.03 % at 3000 px), and it costs
/// ~0.4 s per megapixel on 2 cores. Large photos run in overlapping tiles (`tile` px plus a `margin` that
/// covers the network's receptive field, so the tiled result equals the whole-photo result away from
/// the photo's edges up to float rounding), which bounds the memory to a few tiles' activations.
public final class DefectDetector: @unchecked Sendable {
    public struct Config: Decodable, Sendable {
        public var kind: String
        public var version: Int
        public var channels: [Int]
        public var multiple: Int
        public var threshold: Float
        /// Hysteresis (optional): a region above `threshold` is kept only if some pixel of it is
        /// above this (a crack with a confident core keeps its whole extent; a faint isolated
        /// response to a real line or texture is dropped).
        public var seedThreshold: Float?
        /// Searches averaged (optional, default 1): 1 the photo as it is; 2 also mirrored left to
        /// right; 4 also top to bottom and both. The thresholds are chosen for this count. A detector
        /// with `features` mirrors each window and computes its features once (`windowProbability`).
        public var mirrors: Int?
        /// Channels of the /16 context level (optional; absent or 0: none). Inputs are then padded
        /// to a multiple of 16 and the receptive field is about 170 px instead of 60.
        public var context: Int?
        /// Frozen pretrained features (optional; absent: none): "mobilenet_v2_imagenet_L".
        public var features: String?

        enum CodingKeys: String, CodingKey {
            case kind, version, channels, multiple, threshold, mirrors, context, features
            case seedThreshold = "seed_threshold"
        }
    }

    public static let metadataKey = "findcolor_repair"
    public static let fileName = "findcolor-repair-v1.safetensors"

    public let config: Config
    public let modelURL: URL
    let e0, e1a, e1b, e2a, e2b, e3a, e3b, d2, d1, d0, head: Conv2d
    /// The /16 context level (nil: none).
    let context: (e4a: Conv2d, e4b: Conv2d, d3: Conv2d)?
    /// The frozen features (nil: none): stem, blocks 1…13, and the projections of blocks 6 (/8)
    /// and 13 (/16) into the /8 and /16 levels.
    let features: (stem: Conv2d, blocks: [MobileNetV2.InvertedResidual], p3: Conv2d, p4: Conv2d)?
    /// `features`' MobileNetV2 blocks kept (the last one's output is the /16 tap) and the one whose
    /// output is the /8 tap.
    static let featureBlocks = 13, featureTap8 = 6
    public static let featureKinds: Set<String> = ["mobilenet_v2_imagenet_L"]
    public let backend: Backend
    /// The arithmetic of the detector's own convolutions (`Precision`; bf16 only where the CPU
    /// supports it, else fp32). The frozen ImageNet features stay fp32, as the colour model's
    /// encoder does in `ModelPrecision.mixed`: bfloat16 moves them more (docs/speed.md, "The
    /// defect detector in bf16").
    public let precision: Precision

    /// The default precision: bf16 where the CPU also runs it faster (`Precision.bf16IsFaster`:
    /// AVX-512 BF16 on an AMD CPU), else fp32; the colour model's `ModelPrecision.automatic` makes
    /// the same choice for its decoder.
    public static var automaticPrecision: Precision { Precision.bf16IsFaster ? .bf16 : .fp32 }

    /// Interior tile side and the margin read around it (a multiple of `Config.multiple` that
    /// covers the receptive field: about 60 px, 48; with the context level about 170 px, 96; with the
    /// frozen features, whose block 13 alone sees about 270 px, 160). The
    /// tile is a multiple of `Config.multiple` too, so that every window's strided grid is the
    /// photo's: a value set is rounded up to one (at least one multiple).
    public var tile = 512 {
        didSet {
            let m = config.multiple
            let rounded = max(m, (tile + m - 1) / m * m)
            if tile != rounded { tile = rounded }
        }
    }
    public let margin: Int
    /// Planes of at most this many pixels are searched whole, not in tiles: a photo searched at
    /// 640 px (`detectionShortSide`) up to a 16:10 aspect is one window, where 512-px tiles computed
    /// its margins twice (a 640×480 plane read 1.45× its pixels). Its activations take about 230 bytes
    /// a pixel (150 MB at this size).
    public var wholePlanePixels = 640 * 1024
    /// The largest short side the network searches at (see above); nil: always the photo's own size.
    public var detectionShortSide: Int? = 640

    /// - Parameter precision: of the detector's own convolutions (`automaticPrecision` is what the CLI and the
    ///   server take); fp32, the default here, is what the PyTorch goldens are compared with.
    public init(modelURL: URL, backend: Backend = .default, precision: Precision = .fp32) throws {
        let (store, json) = try WeightStore.model(
            at: modelURL, configKey: Self.metadataKey,
            missing: "\(modelURL.lastPathComponent) is not a FindColor defect detector (no \(Self.metadataKey) metadata)")
        let cfg: Config
        do {
            cfg = try JSONDecoder().decode(Config.self, from: Data(json.utf8))
        } catch {
            throw FindColorError.model("the defect detector's configuration is unreadable (\(error))")
        }
        let hasContext = (cfg.context ?? 0) > 0
        guard cfg.kind == "defect-detector", cfg.version == 1, cfg.channels.count == 4,
              cfg.multiple == (hasContext ? 16 : 8) else {
            throw FindColorError.model("unsupported defect detector \(cfg.kind) v\(cfg.version) \(cfg.channels)")
        }
        if let f = cfg.features, !Self.featureKinds.contains(f) || !hasContext {
            throw FindColorError.model("unsupported defect detector features \(f)" + (hasContext ? "" : " (they need the context level)"))
        }
        if let m = cfg.mirrors, !Self.mirrorCounts.contains(m) {
            throw FindColorError.model("the defect detector's mirror count \(m) is not 1, 2 or 4")
        }
        for (name, t) in [("threshold", cfg.threshold), ("seed threshold", cfg.seedThreshold)] {
            if let t, !(t > 0 && t < 1) {
                throw FindColorError.model("the defect detector's \(name) \(t) is not in (0, 1)")
            }
        }
        config = cfg
        self.modelURL = modelURL
        self.backend = backend
        let precision: Precision = precision.isSupported && backend.resolved == .oneDNN ? precision : .fp32
        self.precision = precision
        margin = cfg.features != nil ? 160 : hasContext ? 96 : 48
        func conv(_ name: String, stride: Int = 1, relu: Bool = true) throws -> Conv2d {
            try Conv2d(store, name, stride: stride, activation: relu ? .relu : .none, backend: backend, precision: precision)
        }
        do {
            e0 = try conv("e0")
            e1a = try conv("e1a", stride: 2); e1b = try conv("e1b")
            e2a = try conv("e2a", stride: 2); e2b = try conv("e2b")
            e3a = try conv("e3a", stride: 2); e3b = try conv("e3b")
            d2 = try conv("d2"); d1 = try conv("d1"); d0 = try conv("d0")
            head = try conv("head", relu: false)
            // d3's ReLU applies to d3's output plus f3 (`callAsFunction(_:adding:)`).
            context = hasContext ? (try conv("e4a", stride: 2), try conv("e4b"), try conv("d3")) : nil
            if cfg.features != nil {
                let blocks = try MobileNetV2.blocks(count: Self.featureBlocks, prefix: "fx.features") { name, stride, groups, activation in
                    try Conv2d(store, name, stride: stride, groups: groups, activation: activation, backend: backend)
                }
                features = (try Conv2d(store, "fx.features.0.0", stride: 2, activation: .relu6, backend: backend), blocks,
                            try conv("p3", relu: false), try conv("p4", relu: false))
            } else {
                features = nil
            }
            try store.verifyAllUsed()
        } catch let e as FindColorError {
            throw e
        } catch {
            throw FindColorError.model("\(modelURL.lastPathComponent): \(error)")
        }
    }

    /// Where the bundled detector is: `Models/findcolor-repair-v1.safetensors` beside the colour model.
    public static func bundledURL() throws -> URL {
        try ModelLocator.bundledModelURL().deletingLastPathComponent().appendingPathComponent(fileName)
    }

    /// The bundled detector (`bundledURL`).
    public static func bundled(backend: Backend = .default, precision: Precision = .fp32) throws -> DefectDetector {
        let colour = try ModelLocator.bundledModelURL()
        let url = try bundledURL()
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FindColorError.model("the bundled defect detector \(fileName) was not found beside \(colour.path)")
        }
        return try DefectDetector(modelURL: url, backend: backend, precision: precision)
    }

    /// The network on one input (N×H×W×1, L*/50 − 1, H and W multiples of `Config.multiple`):
    /// logits N×H×W×1.
    public func logits(_ x: Tensor) -> Tensor {
        logits(x, projected: features.map { fx in frozenFeatures(fx, x) })
    }

    /// `logits` with the features' projections given (`g`, nil without features): a window's
    /// mirrored searches share them (`windowProbability`).
    func logits(_ x: Tensor, projected g: (p3: Tensor, p4: Tensor)?) -> Tensor {
        func up(_ t: Tensor, _ like: Tensor) -> Tensor { Ops.resizeBilinear(t, height: like.h, width: like.w, backend: backend) }
        let f0 = e0(x)
        let f1 = e1b(e1a(f0))
        let f2 = e2b(e2a(f1))
        var f3 = g.map { e3b(e3a(f2), adding: $0.p3) } ?? e3b(e3a(f2))
        if let context {
            let h4 = context.e4a(f3)
            let f4 = g.map { context.e4b(h4, adding: $0.p4) } ?? context.e4b(h4)
            f3 = context.d3(Ops.concat([up(f4, f3), f3], backend: backend), adding: f3)
        }
        let g2 = d2(concatenating: [up(f3, f2), f2])
        let g1 = d1(concatenating: [up(g2, f1), f1])
        let g0 = d0(concatenating: [up(g1, f0), f0])
        return head(g0)
    }

    /// The frozen features' projections at /8 and /16 for the network's input x = L*/50 − 1 (the
    /// features read L*/100 = (x + 1) / 2, zero-padded at the borders as in PyTorch).
    private func frozenFeatures(_ fx: (stem: Conv2d, blocks: [MobileNetV2.InvertedResidual], p3: Conv2d, p4: Conv2d),
                                _ x: Tensor) -> (p3: Tensor, p4: Tensor) {
        var h = x
        h.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = (b[i] + 1) * 0.5 } }
        h = fx.stem(h)
        var g8: Tensor?
        for (j, block) in fx.blocks.enumerated() {
            h = block(h)
            if j + 1 == Self.featureTap8 { g8 = h }
        }
        return (fx.p3(g8!), fx.p4(h))
    }

    /// The defect probability of every pixel of an L* plane (values in [0, 1], the plane's size).
    public func probability(_ L: PlanarImage, mirrors: Int? = nil) -> PlanarImage {
        let p = searchedProbability(L, mirrors: mirrors)
        return p.width == L.width && p.height == L.height ? p : resizeBilinear(p, width: L.width, height: L.height)
    }

    /// The probability at the size `L` is searched at (`searchSize`, else its own), from `mirrors`
    /// searches (default: the model's).
    func searchedProbability(_ L: PlanarImage, mirrors: Int?) -> PlanarImage {
        precondition(L.channels == 1, "the detector reads one L* plane")
        let mirrors = mirrors ?? config.mirrors ?? 1
        guard let (w, h) = searchSize(width: L.width, height: L.height) else { return tiledProbability(L, mirrors: mirrors) }
        return tiledProbability(resizeArea(L, width: w, height: h), mirrors: mirrors)
    }

    /// The size a `width`×`height` photo is searched at (its short side at `detectionShortSide`), or
    /// nil when it is searched at its own size.
    func searchSize(width W: Int, height H: Int) -> (width: Int, height: Int)? {
        guard let side = detectionShortSide, min(W, H) > side else { return nil }
        let f = Double(side) / Double(min(W, H))
        return (max(1, Int((Double(W) * f).rounded())), max(1, Int((Double(H) * f).rounded())))
    }

    /// The search counts `mirrors` may take.
    public static let mirrorCounts: Set<Int> = [1, 2, 4]

    /// The views of a search by `mirrors` (1, 2 or 4) besides the photo as it is: (left to right,
    /// top to bottom).
    static func mirrorViews(_ mirrors: Int) -> [(Bool, Bool)] {
        mirrors >= 4 ? [(true, false), (false, true), (true, true)] : mirrors == 2 ? [(true, false)] : []
    }

    /// `probability` at the plane's own size, averaged over `mirrors` searches of the plane as it is
    /// and mirrored (each mirrored back): a response to texture that is not damage tends to differ
    /// between the mirrored views (the network is not symmetric), damage is found in each. With
    /// features each window is mirrored instead, sharing its features (`windowProbability`).
    func tiledProbability(_ L: PlanarImage, mirrors: Int) -> PlanarImage {
        guard mirrors > 1, features == nil else { return tiledProbabilityOnce(L, mirrors: mirrors) }
        var sum = tiledProbabilityOnce(L)
        let variants = Self.mirrorViews(mirrors)
        for (fx, fy) in variants {
            // EXIF orientations 2, 4 and 3: mirrored left to right, top to bottom, both (each its own inverse)
            let orientation = fx && fy ? 3 : fx ? 2 : 4
            let p = tiledProbabilityOnce(L.applyingOrientation(orientation)).applyingOrientation(orientation)
            for i in sum.data.indices { sum.data[i] += p.data[i] }
        }
        let n = Float(variants.count + 1)
        for i in sum.data.indices { sum.data[i] /= n }
        return sum
    }

    /// `probability` at the plane's own size, tile by tile; each window searched `mirrors` times
    /// (`windowProbability`; only detectors with features mirror windows, the others mirror the
    /// plane: `tiledProbability`).
    func tiledProbabilityOnce(_ L: PlanarImage, mirrors: Int = 1) -> PlanarImage {
        let W = L.width, H = L.height
        var out = PlanarImage(width: W, height: H, channels: 1)
        guard W > 0 && H > 0 else { return out }
        let m = config.multiple
        // A plane of up to `wholePlanePixels` is one window (no margins to compute twice); a larger
        // one goes in tiles.
        let tile = W * H <= wholePlanePixels ? max(W, H) : self.tile
        for ty in stride(from: 0, to: H, by: tile) {
            for tx in stride(from: 0, to: W, by: tile) {
                // The tile's interior and the window read around it (clipped to the photo, then
                // reflect-padded at the bottom and right to the multiple of 8).
                let x1 = min(W, tx + tile), y1 = min(H, ty + tile)
                let wx0 = max(0, tx - margin), wy0 = max(0, ty - margin)
                let wx1 = min(W, x1 + margin), wy1 = min(H, y1 + margin)
                let ww = wx1 - wx0, wh = wy1 - wy0
                let pw = (ww + m - 1) / m * m, ph = (wh + m - 1) / m * m
                let input = Tensor(shape: TensorShape(n: 1, h: ph, w: pw, c: 1)) { _, y, x, _ in
                    L.data[(wy0 + reflectIndex(y, count: wh)) * W + wx0 + reflectIndex(x, count: ww)] / 50 - 1
                }
                let prob = windowProbability(input, mirrors: mirrors)
                prob.withUnsafeBufferPointer { p in
                    for y in ty..<y1 {
                        for x in tx..<x1 { out.data[y * W + x] = p[(y - wy0) * pw + (x - wx0)] }
                    }
                }
            }
        }
        return out
    }

    /// The probability of one padded window (N×H×W×1, as `logits`'): the mean of `mirrors`
    /// searches, the window as it is and mirrored (each mirrored back). The features are computed
    /// once, on the window as it is, and mirrored with it for the other searches: they cost about
    /// half of the detector's own layers (one 864×640 search of a 12 MP photo: 111 against 215 ms),
    /// so four searches cost 4.5 of those instead of 6 (on 120 held-out training crops F1 0.693
    /// shared against 0.691 with each search's own features, 0.681 with one search;
    /// `repair_model.search_probability` is the reference).
    func windowProbability(_ x: Tensor, mirrors: Int) -> Tensor {
        let g = features.map { fx in frozenFeatures(fx, x) }
        let asIs = logits(x, projected: g)
        var sum = Tensor(shape: asIs.shape)
        Self.addSigmoid(of: asIs, mirroredBack: (false, false), to: &sum)
        let views = Self.mirrorViews(mirrors)
        for (fx, fy) in views {
            let p = logits(Self.mirrored(x, fx, fy), projected: g.map { (Self.mirrored($0.p3, fx, fy), Self.mirrored($0.p4, fx, fy)) })
            Self.addSigmoid(of: p, mirroredBack: (fx, fy), to: &sum)
        }
        if !views.isEmpty {
            let n = Float(views.count + 1)
            sum.withUnsafeMutableBufferPointer { s in for i in s.indices { s[i] /= n } }
        }
        return sum
    }

    /// `sum += sigmoid(p)` mirrored back (`fx`, `fy`; neither for the search of the window as it
    /// is) in one pass (a search's contribution; 1 channel, `sum`'s shape): the same values as
    /// mirroring, then adding.
    static func addSigmoid(of p: Tensor, mirroredBack m: (Bool, Bool), to sum: inout Tensor) {
        precondition(p.shape == sum.shape && p.c == 1, "a search's logits \(p.shape) against \(sum.shape)")
        let (H, W) = (p.h, p.w), rows = p.n * H
        p.withUnsafeBufferPointer { src in
            sum.withUnsafeMutableBufferPointer { dst in
                Parallel.forEachChunk(count: rows, workPerItem: W * 8) { range in
                    for row in range {
                        let n = row / H, y = row % H
                        let from = (n * H + (m.1 ? H - 1 - y : y)) * W, to = row * W
                        for x in 0..<W {
                            dst[to + x] += 1 / (1 + expf(-src[from + (m.0 ? W - 1 - x : x)]))
                        }
                    }
                }
            }
        }
    }

    /// `t` (NHWC) mirrored left to right (`fx`) and/or top to bottom (`fy`).
    static func mirrored(_ t: Tensor, _ fx: Bool, _ fy: Bool) -> Tensor {
        let (H, W, C) = (t.h, t.w, t.c)
        var o = Tensor(shape: t.shape)
        t.withUnsafeBufferPointer { s in
            o.withUnsafeMutableBufferPointer { d in
                for n in 0..<t.n {
                    for y in 0..<H {
                        let from = ((n * H + (fy ? H - 1 - y : y)) * W) * C, to = ((n * H + y) * W) * C
                        for x in 0..<W {
                            let sx = from + (fx ? W - 1 - x : x) * C, dx = to + x * C
                            for c in 0..<C { d[dx + c] = s[sx + c] }
                        }
                    }
                }
            }
        }
        return o
    }

    /// The defect mask (1 = defect, 0 = keep): pixels above `threshold` (default: the model's), in
    /// 8-connected regions that hold a pixel above `seedThreshold` (default: the model's; none, or
    /// one not above `threshold`: every pixel above `threshold`), from `mirrors` searches averaged
    /// (default: the model's).
    ///
    /// A photo searched below its own size (`detectionShortSide`) is thresholded at the search size
    /// and the mask, not the probability, is upsampled (bilinearly, kept where ≥ 0.5, so a defect k
    /// search pixels wide covers k·scale photo pixels): thresholding the upsampled probability would
    /// shave every defect's edges wherever the detector is less than certain there (measured with
    /// repair9 on a scratch and dust drawn 4× larger on a 2560×1920 scene: 0.76 of the defect pixels
    /// found against 1.0 at 640×480; `largeScansAreSearchedAtTheDetectorsScale`).
    public func detect(_ L: PlanarImage, threshold: Float? = nil, seedThreshold: Float? = nil, mirrors: Int? = nil) -> PlanarImage {
        let t = threshold ?? config.threshold
        let p = searchedProbability(L, mirrors: mirrors)
        let mask = Self.hysteresis(p, low: t, high: seedThreshold ?? config.seedThreshold ?? t)
        guard p.width != L.width || p.height != L.height else { return mask }
        return mask.upsampledMask(width: L.width, height: L.height, threshold: 0.5)
    }

    /// 1 where `p > low` and the pixel's 8-connected region of such pixels reaches `p > high`.
    static func hysteresis(_ p: PlanarImage, low: Float, high: Float) -> PlanarImage {
        var out = PlanarImage(width: p.width, height: p.height, channels: 1)
        let W = p.width, H = p.height
        if high <= low {
            for i in p.data.indices { out.data[i] = p.data[i] > low ? 1 : 0 }
            return out
        }
        var stack: [Int] = []
        for i in p.data.indices where p.data[i] > high && out.data[i] == 0 {
            out.data[i] = 1
            stack.append(i)
            while let j = stack.popLast() {
                let x = j % W, y = j / W
                for dy in -1...1 {
                    let yy = y + dy
                    guard yy >= 0, yy < H else { continue }
                    for dx in -1...1 {
                        let xx = x + dx
                        guard xx >= 0, xx < W else { continue }
                        let k = yy * W + xx
                        if out.data[k] == 0 && p.data[k] > low {
                            out.data[k] = 1
                            stack.append(k)
                        }
                    }
                }
            }
        }
        return out
    }
}

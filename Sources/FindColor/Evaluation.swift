import Foundation
import FindColorImage

/// Evaluation with the published protocols (the Swift counterpart of training/findcolor_train/evaluate.py).
///
/// - Protocol A (Zhang et al. 2017): photos resized to 256×256, k hints of 6×6 patches holding the
///   ground truth's mean ab, top-left corners ~ N((H−P+1)/2, (H−P+1)/4) rounded and clipped to [0, H−P].
/// - Protocol B (iColoriT 2023): 224×224, 2×2 patches, corners uniform over [0, H−P].
/// Photos are resized to the protocol's square size (area filter when shrinking, bicubic otherwise).
/// PSNR on 8-bit sRGB (round half up) with L* from the ground truth; colourfulness per Hasler–Süsstrunk.
/// Hints are seeded per (seed, photo index, k), so numbers repeat exactly. Photos whose ground truth
/// is gray (mean chroma < 2) are skipped and listed: there is no colour to recover.
///
/// `native` keeps each photo at its own size (to measure the full-resolution pipeline and choose
/// working resolutions), with protocol A's hint placement.
public enum EvalProtocol: String, CaseIterable, Sendable {
    case A, B, native
    /// Many scenes in one photo (`Evaluator.runMosaics`); automatic colour only.
    case mosaic
    /// Damaged scans repaired (`Evaluator.runRepair`): defect masks, L* and automatic colour.
    case repair

    /// Square evaluation size, or nil to keep the photo's size.
    public var size: Int? { self == .A ? 256 : (self == .B ? 224 : nil) }
    public var patch: Int { self == .B ? 2 : 6 }

    /// Top-left corners (x, y) of k hint patches in a size×size image.
    public func points(k: Int, width: Int, height: Int, rng: inout SeededGenerator) -> [(x: Int, y: Int)] {
        let P = patch
        return (0..<k).map { _ in
            switch self {
            case .A, .native, .mosaic, .repair:
                let y = rng.normal(mean: Double(height - P + 1) / 2, sd: Double(height - P + 1) / 4)
                let x = rng.normal(mean: Double(width - P + 1) / 2, sd: Double(width - P + 1) / 4)
                return (min(max(0, Int(x.rounded())), width - P), min(max(0, Int(y.rounded())), height - P))
            case .B:
                let y = Int(rng.uniform() * Double(height - P + 1)), x = Int(rng.uniform() * Double(width - P + 1))
                return (min(x, width - P), min(y, height - P))
            }
        }
    }

    /// Hints holding the mean ab of `lab` (3 planes) over each patch.
    public func hints(k: Int, lab: PlanarImage, rng: inout SeededGenerator) -> [Hint] {
        let P = patch, W = lab.width, n = lab.planeSize
        return points(k: k, width: lab.width, height: lab.height, rng: &rng).map { p in
            var a: Float = 0, b: Float = 0
            for y in p.y..<p.y + P { for x in p.x..<p.x + P { a += lab.data[n + y * W + x]; b += lab.data[2 * n + y * W + x] } }
            let c = Float(P * P)
            return Hint(x: p.x, y: p.y, size: P, a: a / c, b: b / c)
        }
    }
}

public struct EvalOptions {
    public var protocolKind: EvalProtocol = .A
    public var ks: [Int] = [0, 1, 2, 5, 10, 20, 50, 100]
    public var seed: UInt64 = 0
    /// Preset, ensemble and vividness of every colourization (the global transfer is unused).
    public var settings = ColorizeSettings(preset: .fast)
    /// Use each ground-truth photo, mirrored, as the reference (measures reference mode).
    public var mirroredReference = false
    public var limit: Int? = nil
    /// Photos shown in the contact sheet.
    public var sheetRows = 8
    /// The hint count shown in the contact sheet's "with hints" column.
    public var sheetK = 10
    /// Also measure the one-hint precision (`HintPrecision`): two more runs per photo.
    public var precision = true
    /// How far every protocol hint reaches (`Hint.Spread`), for the PSNR@k curve and the precision.
    public var spread: Hint.Spread = .similar
    /// A second colorizer (e.g. the same model in fp32 against a bf16 one) run on every photo and k
    /// beside the measured one: its PSNR@k, and how far the measured outputs' ab (CIE Lab of the
    /// output sRGB) lie from its, pixel by pixel (`EvalReport.abDifference`).
    public var baseline: Colorizer? = nil

    public init() {}
}

public struct EvalRow {
    public var file: String
    public var gray: Double
    public var cfTruth: Double
    public var cfAuto: Double
    public var psnr: [Int: Double]
    public var milliseconds: Double
    /// The one-hint precision of this photo (nil when not measured or, per value, no such pixels).
    public var precision: HintPrecision? = nil
    /// Gross errors of the automatic (k = 0) output (nil when k = 0 is not evaluated).
    public var grossErrors: GrossColourErrors? = nil
    /// PSNR@k of `EvalOptions.baseline`, when set.
    public var baselinePSNR: [Int: Double] = [:]
}

/// A histogram of non-negative differences (bins of 0.001 up to 64, then one overflow bin) with
/// their exact maximum: percentiles over many millions of pixels in a few hundred kilobytes.
public struct DifferenceHistogram: Sendable {
    public static let binWidth = 0.001
    private var bins = [Int](repeating: 0, count: 64_000 + 1)
    public private(set) var count = 0
    public private(set) var maximum = 0.0

    public init() {}

    public mutating func add(_ value: Double) {
        let v = Swift.max(0, value)
        bins[Swift.min(bins.count - 1, Int(v / Self.binWidth))] += 1
        count += 1
        maximum = Swift.max(maximum, v)
    }

    /// The upper edge of the bin holding the `q`-quantile (0…1): within one bin width above the
    /// exact value; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let target = Int((q * Double(count)).rounded(.up))
        var seen = 0
        for (i, n) in bins.enumerated() {
            seen += n
            if seen >= Swift.max(1, target) { return i == bins.count - 1 ? maximum : Swift.min(maximum, Double(i + 1) * Self.binWidth) }
        }
        return maximum
    }

    /// Adds the per-pixel Euclidean distance between the ab of two sRGB images of one size.
    public mutating func addABDistances(_ x: PlanarImage, _ y: PlanarImage) {
        let a = srgbToLab(x), b = srgbToLab(y)
        precondition(a.width == b.width && a.height == b.height, "images of different sizes")
        let n = a.planeSize
        for i in 0..<n {
            let da = Double(a.data[n + i] - b.data[n + i]), db = Double(a.data[2 * n + i] - b.data[2 * n + i])
            add((da * da + db * db).squareRoot())
        }
    }
}

/// Gross colour errors of automatic colour (the same definition as `gross_colour_errors` in
/// training/findcolor_train/evaluate.py): the share of a photo's pixels whose ab (of the 8-bit sRGB
/// output, read back as L*a*b*) is more than `distance` from the ground truth's and whose chroma
/// - exceeds the ground truth's by more than `margin`: **invented** colour (a red blotch on a face,
///   a purple jacket), what a higher colourfulness can cost;
/// - or falls short of it by more than `margin`: **timid** colour (a red coat left gray), what a
///   cautious model costs.
/// PSNR and colourfulness alone do not tell the two apart.
public struct GrossColourErrors: Sendable, Equatable {
    public var invented: Double
    public var timid: Double

    public static let distance: Float = 30, margin: Float = 15

    /// `output`: sRGB in [0, 1] (quantised to 8 bits here, as PSNR is); `truth`: L*a*b*, same size.
    public static func measure(output: PlanarImage, truth: PlanarImage) -> GrossColourErrors {
        precondition(output.width == truth.width && output.height == truth.height && output.channels == 3 && truth.channels == 3,
                     "sizes differ")
        var q = output
        for i in 0..<q.data.count { q.data[i] = Metrics.quantize(q.data[i]) / 255 }
        let lab = srgbToLab(q), n = lab.planeSize
        var invented = 0, timid = 0
        for i in 0..<n {
            let a = lab.data[n + i], b = lab.data[2 * n + i], ta = truth.data[n + i], tb = truth.data[2 * n + i]
            let d = ((a - ta) * (a - ta) + (b - tb) * (b - tb)).squareRoot()
            guard d > distance else { continue }
            let c = (a * a + b * b).squareRoot(), tc = (ta * ta + tb * tb).squareRoot()
            if c > tc + margin { invented += 1 } else if c < tc - margin { timid += 1 }
        }
        return GrossColourErrors(invented: Double(invented) / Double(max(1, n)), timid: Double(timid) / Double(max(1, n)))
    }
}

/// One-hint precision (issue 10; the same definition as `hint_precision` in
/// training/findcolor_train/evaluate.py). One protocol hint (the hint of PSNR@1: same seed, photo
/// and k); outputs without and with it; each pixel's movement towards the hint is the projection of
/// the change of its ab on the unit vector from its no-hint ab to the hint's colour. Pixels within
/// `margin` of the hint's patch are left out.
/// - reach: mean positive movement over pixels whose ground-truth ab is within `reachRadius` of the hint's;
/// - leak: the same over pixels whose ground truth is more than `leakDistance` away;
/// - leakShare: the fraction of those moved more than `leakMove`.
public struct HintPrecision: Sendable {
    public var reach: Double?
    public var leak: Double?
    public var leakShare: Double?

    public static let reachRadius: Float = 10, leakDistance: Float = 30, leakMove: Float = 5
    public static let margin = 8

    /// `ab0`, `ab1`: 2-plane outputs without and with `hint`; `lab`: the ground truth (3 planes), same size.
    public static func measure(ab0: PlanarImage, ab1: PlanarImage, lab: PlanarImage, hint: Hint) -> HintPrecision {
        let W = lab.width, H = lab.height, n = lab.planeSize
        precondition(ab0.width == W && ab0.height == H && ab1.width == W && ab1.height == H, "sizes differ")
        var nearSum = 0.0, nearCount = 0, farSum = 0.0, farCount = 0, farMoved = 0
        for y in 0..<H {
            for x in 0..<W {
                if x >= hint.x - margin && x < hint.x + hint.size + margin && y >= hint.y - margin && y < hint.y + hint.size + margin {
                    continue
                }
                let i = y * W + x
                let ta = hint.a - ab0.data[i], tb = hint.b - ab0.data[n + i]
                let norm = (ta * ta + tb * tb).squareRoot()
                let move = norm > 1e-6 ? ((ab1.data[i] - ab0.data[i]) * ta + (ab1.data[n + i] - ab0.data[n + i]) * tb) / norm : 0
                let da = lab.data[n + i] - hint.a, db = lab.data[2 * n + i] - hint.b
                let dist = (da * da + db * db).squareRoot()
                if dist <= reachRadius {
                    nearSum += Double(max(0, move))
                    nearCount += 1
                } else if dist > leakDistance {
                    farSum += Double(max(0, move))
                    farCount += 1
                    if move > leakMove { farMoved += 1 }
                }
            }
        }
        return HintPrecision(reach: nearCount > 0 ? nearSum / Double(nearCount) : nil,
                             leak: farCount > 0 ? farSum / Double(farCount) : nil,
                             leakShare: farCount > 0 ? Double(farMoved) / Double(farCount) : nil)
    }
}

public struct EvalReport {
    public var rows: [EvalRow]
    /// Photos skipped because their ground truth has no colour.
    public var skippedGray: [String] = []
    public var options: EvalOptions
    public var sheet: PlanarImage?
    /// With `EvalOptions.baseline`: per-pixel ab distance between the outputs and the baseline's,
    /// over every photo and k.
    public var abDifference = DifferenceHistogram()

    static func meanSD(_ v: [Double]) -> (Double, Double) {
        let m = v.reduce(0, +) / Double(max(1, v.count))
        let sd = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, v.count))).squareRoot()
        return (m, sd)
    }

    /// A Markdown table: PSNR@k mean ± sd, the gray baseline, colourfulness and time.
    public var table: String {
        var s = "| metric | mean | sd |\n|---|---|---|\n"
        func row(_ name: String, _ v: [Double]) {
            let (m, sd) = Self.meanSD(v)
            s += String(format: "| %@ | %.2f | %.2f |\n", name, m, sd)
        }
        row("PSNR gray (ab = 0)", rows.map(\.gray))
        for k in options.ks { row("PSNR@\(k)", rows.map { $0.psnr[k] ?? .nan }) }
        row("CF ground truth", rows.map(\.cfTruth))
        if options.ks.contains(0) {  // automatic colourfulness is measured on the k = 0 output only
            row("CF automatic (k = 0)", rows.map(\.cfAuto))
            row("|ΔCF| automatic", rows.map { abs($0.cfAuto - $0.cfTruth) })
            row("automatic: invented colour, % of pixels", rows.compactMap { $0.grossErrors.map { $0.invented * 100 } })
            row("automatic: timid colour, % of pixels", rows.compactMap { $0.grossErrors.map { $0.timid * 100 } })
        }
        if options.baseline != nil {
            for k in options.ks {
                row("PSNR@\(k), baseline", rows.map { $0.baselinePSNR[k] ?? .nan })
                row("PSNR@\(k) − baseline", rows.map { ($0.psnr[k] ?? .nan) - ($0.baselinePSNR[k] ?? .nan) })
            }
            if let p50 = abDifference.quantile(0.5), let p99 = abDifference.quantile(0.99), let p999 = abDifference.quantile(0.999) {
                s += String(format: "| output ab − baseline's: p50 / p99 / p99.9 / max (%d pixels) | %.3f / %.3f / %.3f / %.2f | |\n",
                            abDifference.count, p50, p99, p999, abDifference.maximum)
            }
        }
        if rows.contains(where: { $0.precision != nil }) {
            row("one hint: reach, ab", rows.compactMap { $0.precision?.reach })
            row("one hint: leak, ab", rows.compactMap { $0.precision?.leak })
            row("one hint: leak share, %", rows.compactMap { $0.precision?.leakShare.map { $0 * 100 } })
        }
        row("ms per photo (all k)", rows.map(\.milliseconds))
        return s
    }

    public var csv: String {
        var s = "file,gray," + options.ks.map { "psnr@\($0)" }.joined(separator: ",") + ",cf_truth,cf_auto,invented,timid,reach,leak,leak_share,ms\n"
        for r in rows {
            s += "\"\(r.file.replacingOccurrences(of: "\"", with: "\"\""))\"," + String(format: "%.4f", r.gray) + ","
            s += options.ks.map { String(format: "%.4f", r.psnr[$0] ?? .nan) }.joined(separator: ",")
            let p = r.precision
            s += String(format: ",%.4f,%.4f,%.6f,%.6f,%.4f,%.4f,%.4f,%.1f\n", r.cfTruth, r.cfAuto, r.grossErrors?.invented ?? .nan,
                        r.grossErrors?.timid ?? .nan, p?.reach ?? .nan, p?.leak ?? .nan, p?.leakShare ?? .nan, r.milliseconds)
        }
        return s
    }
}

public struct Evaluator {
    public let colorizer: Colorizer
    public var options: EvalOptions

    public init(colorizer: Colorizer, options: EvalOptions) {
        self.colorizer = colorizer
        self.options = options
    }

    /// Evaluates every image under `directory` (sorted); unreadable files are reported and skipped.
    public func run(directory: URL, progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> (EvalReport, [String]) {
        var files = try BatchPlan.imageFiles(under: directory)
        if let limit = options.limit { files = Array(files.prefix(limit)) }
        guard !files.isEmpty else { throw FindColorError.invalidOption("no images in \(directory.path)") }
        var rows: [EvalRow] = [], failures: [String] = [], skippedGray: [String] = []
        var abDifference = DifferenceHistogram()
        var sheetTiles: [[PlanarImage]] = []
        for (idx, rel) in files.enumerated() {
            progress(idx, files.count, rel)
            let decoded: DecodedImage
            do {
                decoded = try ImageCodec.read(url: directory.appendingPathComponent(rel))
            } catch {
                failures.append("\(rel): \(error)")
                continue
            }
            var rgb = decoded.image
            if rgb.channels == 1 { rgb = PlanarImage(stacking: [rgb, rgb, rgb]) }
            // Area filter when shrinking (no aliasing), bicubic when enlarging.
            var gt = rgb
            if let S = options.protocolKind.size {
                let shrink = rgb.width >= S && rgb.height >= S
                gt = (shrink ? resizeArea(rgb, width: S, height: S) : resizeBicubic(rgb, width: S, height: S)).clamped(to: 0, 1)
            }
            let lab = srgbToLab(gt)
            if Self.meanChroma(lab) < Self.minimumChroma {
                skippedGray.append(rel)
                continue
            }
            let L = lab.channel(0)
            let gray = labToSRGB(lightness: L, ab: PlanarImage(width: gt.width, height: gt.height, channels: 2))
            var row = EvalRow(file: rel, gray: Metrics.psnr(gray, gt), cfTruth: Metrics.colourfulness(gt), cfAuto: .nan, psnr: [:], milliseconds: 0)
            var request = ColorizeRequest(settings: options.settings)
            if options.mirroredReference { request.reference = Ensemble.mirrored(gt) }
            let t0 = DispatchTime.now()
            var tiles: [PlanarImage] = []
            for k in options.ks {
                var rng = SeededGenerator(seed: options.seed, idx, k)
                request.hints = options.protocolKind.hints(k: k, lab: lab, rng: &rng).map { $0.with(spread: options.spread) }
                let out = try colorizer.colorize(lightness: L, request).rgb
                row.psnr[k] = Metrics.psnr(out, gt)
                if let baseline = options.baseline {
                    let reference = try baseline.colorize(lightness: L, request).rgb
                    row.baselinePSNR[k] = Metrics.psnr(reference, gt)
                    abDifference.addABDistances(out, reference)
                }
                if k == 0 {
                    row.cfAuto = Metrics.colourfulness(out)
                    row.grossErrors = GrossColourErrors.measure(output: out, truth: lab)
                    tiles.append(out)
                }
                if k == options.sheetK { tiles.append(Self.marked(out, hints: request.hints)) }
            }
            row.milliseconds = ms(since: t0)
            if options.precision {
                var rng = SeededGenerator(seed: options.seed, idx, 1)
                let hints = options.protocolKind.hints(k: 1, lab: lab, rng: &rng).map { $0.with(spread: options.spread) }
                request.hints = []
                let spec = request.settings.ensemble
                let ab0 = try colorizer.fusedAB(L: L, request: request, spec: spec).ab
                request.hints = hints
                let ab1 = try colorizer.fusedAB(L: L, request: request, spec: spec).ab
                if ab0.width == L.width && ab0.height == L.height, let hint = hints.first {
                    row.precision = HintPrecision.measure(ab0: ab0, ab1: ab1, lab: lab, hint: hint)
                } else if let hint = hints.first {
                    let full = { (ab: PlanarImage) in resizeBilinear(ab, width: L.width, height: L.height) }
                    row.precision = HintPrecision.measure(ab0: full(ab0), ab1: full(ab1), lab: lab, hint: hint)
                }
            }
            rows.append(row)
            if sheetTiles.count < options.sheetRows && options.protocolKind.size != nil {
                sheetTiles.append([gray] + tiles + [gt])
            }
        }
        guard !rows.isEmpty else { throw FindColorError.invalidOption("no readable images in \(directory.path)") }
        var report = EvalReport(rows: rows, skippedGray: skippedGray, options: options, sheet: Self.contactSheet(sheetTiles))
        report.abDifference = abDifference
        return (report, failures)
    }

    static let minimumChroma: Float = 2

    static func meanChroma(_ lab: PlanarImage) -> Float {
        let n = lab.planeSize
        var s: Float = 0
        for i in 0..<n { s += (lab.data[n + i] * lab.data[n + i] + lab.data[2 * n + i] * lab.data[2 * n + i]).squareRoot() }
        return s / Float(max(1, n))
    }

    /// Outlines each hint patch (black and white frame) so the sheet shows where hints were.
    static func marked(_ img: PlanarImage, hints: [Hint]) -> PlanarImage {
        var out = img
        let W = img.width, H = img.height, n = img.planeSize
        for h in hints {
            for y in max(0, h.y - 1)...min(H - 1, h.y + h.size) {
                for x in max(0, h.x - 1)...min(W - 1, h.x + h.size) {
                    let border = y == h.y - 1 || y == h.y + h.size || x == h.x - 1 || x == h.x + h.size
                    if border { for c in 0..<3 { out.data[c * n + y * W + x] = (x + y) % 2 == 0 ? 1 : 0 } }
                }
            }
        }
        return out
    }

    /// Rows of equally sized RGB tiles with a 4-pixel white gutter.
    static func contactSheet(_ rows: [[PlanarImage]]) -> PlanarImage? {
        guard let first = rows.first?.first else { return nil }
        let tw = first.width, th = first.height, g = 4
        let cols = rows.map(\.count).max() ?? 0
        let W = cols * tw + (cols + 1) * g, H = rows.count * th + (rows.count + 1) * g
        var sheet = PlanarImage(width: W, height: H, channels: 3, repeating: 1)
        for (r, tiles) in rows.enumerated() {
            for (c, t) in tiles.enumerated() {
                let x0 = g + c * (tw + g), y0 = g + r * (th + g)
                for ch in 0..<3 {
                    for y in 0..<th {
                        for x in 0..<tw { sheet.data[ch * W * H + (y0 + y) * W + x0 + x] = t.data[ch * tw * th + y * tw + x] }
                    }
                }
            }
        }
        return sheet
    }
}

import Foundation
import FindColorImage

/// One photo of the repair protocol (`findcolor eval --protocol repair`).
public struct RepairRow: Sendable {
    public var file: String
    public var pixels: Int
    /// Defect pixels of the rendered damage, and how the detected mask overlaps them.
    public var defects: Int, truePositives: Int, falsePositives: Int
    /// Sums of squared L* errors against the clean L*, inside and outside the damage's mask.
    public var sseInsideDegraded: Double, sseInsideRepaired: Double
    public var sseOutsideDegraded: Double, sseOutsideRepaired: Double
    /// Automatic colour (PSNR, 8-bit sRGB, against the photo) of the degraded and of the repaired L*.
    public var colourDegraded: Double, colourRepaired: Double
    /// The repair of the clean photo: mean |ΔL*| and the share of pixels flagged as defects.
    public var cleanMeanChange: Double, cleanFlagged: Double
    /// Time of the repair of the degraded photo.
    public var milliseconds: Double
    /// Defect pixels and detected ones per `Damage.Kind` (indexed by its raw value).
    public var defectsByKind = [Int](repeating: 0, count: Damage.Kind.allCases.count + 1)
    public var foundByKind = [Int](repeating: 0, count: Damage.Kind.allCases.count + 1)
    /// Defect pixels and detected ones per band of the damage's |ΔL*| (`RepairReport.changeBands`).
    public var defectsByChange = [Int](repeating: 0, count: RepairReport.changeBands.count)
    public var foundByChange = [Int](repeating: 0, count: RepairReport.changeBands.count)
}

public struct RepairReport: Sendable {
    public var rows: [RepairRow]
    public var seed: UInt64
    /// Where the detector erred, for the first `EvalOptions.sheetRows` photos of at least
    /// `sheetSide` px a side: the degraded L* | the masks over it (green found, red missed, blue
    /// flagged where there is no damage) | the repaired L*, each the `sheetSide`-px window of the
    /// photo with the most missed defect pixels (`sheetTiles`).
    public var sheet: PlanarImage?

    static let sheetSide = 256

    /// The three tiles of one photo (see `sheet`), nil when the photo is smaller than `sheetSide`.
    static func sheetTiles(damaged: PlanarImage, truth: PlanarImage, found: PlanarImage, repaired: PlanarImage) -> [PlanarImage]? {
        let W = damaged.width, H = damaged.height, side = sheetSide
        guard W >= side, H >= side else { return nil }
        // The window (on a 16-px grid) with the most missed defect pixels, from an integral image.
        var integral = [Int](repeating: 0, count: (W + 1) * (H + 1))
        for y in 0..<H {
            var row = 0
            for x in 0..<W {
                let i = y * W + x
                if truth.data[i] > 0.5 && found.data[i] <= 0.5 { row += 1 }
                integral[(y + 1) * (W + 1) + x + 1] = integral[y * (W + 1) + x + 1] + row
            }
        }
        var best = (x: 0, y: 0, n: -1)
        for y in stride(from: 0, through: H - side, by: 16) {
            for x in stride(from: 0, through: W - side, by: 16) {
                let n = integral[(y + side) * (W + 1) + x + side] - integral[y * (W + 1) + x + side]
                    - integral[(y + side) * (W + 1) + x] + integral[y * (W + 1) + x]
                if n > best.n { best = (x, y, n) }
            }
        }
        func gray(_ L: PlanarImage) -> PlanarImage {
            PlanarImage(width: side, height: side, channels: 3) { x, y, _ in
                min(max(L.data[(best.y + y) * W + best.x + x] / 100, 0), 1)
            }
        }
        // Green found, red missed, blue flagged without damage, else the degraded L* dimmed.
        let found3: SIMD3<Float> = [0.1, 0.85, 0.2], missed3: SIMD3<Float> = [0.95, 0.1, 0.1], wrong3: SIMD3<Float> = [0.2, 0.4, 1]
        let overlay = PlanarImage(width: side, height: side, channels: 3) { x, y, c in
            let i = (best.y + y) * W + best.x + x
            switch (truth.data[i] > 0.5, found.data[i] > 0.5) {
            case (true, true): return found3[c]
            case (true, false): return missed3[c]
            case (false, true): return wrong3[c]
            case (false, false): return 0.6 * min(max(damaged.data[i] / 100, 0), 1)
            }
        }
        return [gray(damaged), overlay, gray(repaired)]
    }

    /// Lower bounds of the |ΔL*| bands of the recall by change (a defect moves L* by ≥ 3).
    public static let changeBands: [Float] = [3, 6, 12, 25]
    static func changeBand(_ change: Float) -> Int { changeBands.lastIndex { change >= $0 } ?? 0 }

    static func psnr(sse: Double, count: Int) -> Double {
        count == 0 ? .nan : (sse == 0 ? 99 : 10 * log10(100 * 100 / (sse / Double(count))))
    }

    public var precision: Double {
        let tp = rows.reduce(0) { $0 + $1.truePositives }, fp = rows.reduce(0) { $0 + $1.falsePositives }
        return tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp)
    }
    public var recall: Double {
        let tp = rows.reduce(0) { $0 + $1.truePositives }, d = rows.reduce(0) { $0 + $1.defects }
        return d == 0 ? 0 : Double(tp) / Double(d)
    }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    /// L* PSNR (peak 100) over all photos' pixels inside (or outside) the damage's masks.
    public func lPSNR(inside: Bool, repaired: Bool) -> Double {
        let n = rows.reduce(0) { $0 + (inside ? $1.defects : $1.pixels - $1.defects) }
        let sse = rows.reduce(0.0) {
            $0 + (inside ? (repaired ? $1.sseInsideRepaired : $1.sseInsideDegraded)
                         : (repaired ? $1.sseOutsideRepaired : $1.sseOutsideDegraded))
        }
        return Self.psnr(sse: sse, count: n)
    }

    public var table: String {
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(1, v.count)) }
        let defects = rows.reduce(0) { $0 + $1.defects }, pixels = rows.reduce(0) { $0 + $1.pixels }
        var s = "| measure | degraded | repaired |\n|---|---|---|\n"
        s += String(format: "| defect mask precision / recall / F1 (%d photos, %.2f %% of pixels damaged) | | %.3f / %.3f / %.3f |\n",
                    rows.count, 100 * Double(defects) / Double(max(1, pixels)), precision, recall, f1)
        let byKind = Damage.Kind.allCases.compactMap { kind -> String? in
            let d = rows.reduce(0) { $0 + $1.defectsByKind[Int(kind.rawValue)] }
            guard d > 0 else { return nil }
            let f = rows.reduce(0) { $0 + $1.foundByKind[Int(kind.rawValue)] }
            return String(format: "%@ %.2f (%.0f %%)", kind.name, Double(f) / Double(d), 100 * Double(d) / Double(max(1, defects)))
        }
        if !byKind.isEmpty {
            s += "| recall by kind of defect (its share of the damaged pixels) | | \(byKind.joined(separator: ", ")) |\n"
        }
        let byChange = Self.changeBands.indices.compactMap { b -> String? in
            let d = rows.reduce(0) { $0 + $1.defectsByChange[b] }
            guard d > 0 else { return nil }
            let f = rows.reduce(0) { $0 + $1.foundByChange[b] }
            let upper = b + 1 < Self.changeBands.count ? String(format: "–%.0f", Self.changeBands[b + 1]) : "+"
            return String(format: "%.0f%@ %.2f (%.0f %%)", Self.changeBands[b], upper, Double(f) / Double(d), 100 * Double(d) / Double(max(1, defects)))
        }
        if !byChange.isEmpty {
            s += "| recall by the damage's \\|ΔL*\\| (its share of the damaged pixels) | | \(byChange.joined(separator: ", ")) |\n"
        }
        s += String(format: "| L* PSNR inside the masks, dB | %.2f | %.2f (%+.2f) |\n",
                    lPSNR(inside: true, repaired: false), lPSNR(inside: true, repaired: true),
                    lPSNR(inside: true, repaired: true) - lPSNR(inside: true, repaired: false))
        s += String(format: "| L* PSNR outside the masks, dB | %.2f | %.2f (%+.2f) |\n",
                    lPSNR(inside: false, repaired: false), lPSNR(inside: false, repaired: true),
                    lPSNR(inside: false, repaired: true) - lPSNR(inside: false, repaired: false))
        s += String(format: "| automatic colour PSNR@0, dB (mean over photos) | %.2f | %.2f (%+.2f) |\n",
                    mean(rows.map(\.colourDegraded)), mean(rows.map(\.colourRepaired)),
                    mean(rows.map(\.colourRepaired)) - mean(rows.map(\.colourDegraded)))
        s += String(format: "| clean photos: mean \\|ΔL*\\| of the repair / pixels flagged | | %.3f / %.3f %% |\n",
                    mean(rows.map(\.cleanMeanChange)), 100 * mean(rows.map(\.cleanFlagged)))
        s += String(format: "| repair time per photo, median ms | | %.0f |\n",
                    rows.map(\.milliseconds).sorted()[rows.count / 2])
        return s
    }

    public var csv: String {
        var s = "file,pixels,defects,tp,fp,L_in_degraded,L_in_repaired,L_out_degraded,L_out_repaired,colour_degraded,colour_repaired,clean_mean_dL,clean_flagged,ms\n"
        for r in rows {
            let inside = r.defects, outside = r.pixels - r.defects
            s += [r.file, "\(r.pixels)", "\(r.defects)", "\(r.truePositives)", "\(r.falsePositives)",
                  String(format: "%.3f", RepairReport.psnr(sse: r.sseInsideDegraded, count: inside)),
                  String(format: "%.3f", RepairReport.psnr(sse: r.sseInsideRepaired, count: inside)),
                  String(format: "%.3f", RepairReport.psnr(sse: r.sseOutsideDegraded, count: outside)),
                  String(format: "%.3f", RepairReport.psnr(sse: r.sseOutsideRepaired, count: outside)),
                  String(format: "%.3f", r.colourDegraded), String(format: "%.3f", r.colourRepaired),
                  String(format: "%.4f", r.cleanMeanChange), String(format: "%.5f", r.cleanFlagged),
                  String(format: "%.1f", r.milliseconds)].joined(separator: ",") + "\n"
        }
        return s
    }
}

extension Evaluator {
    /// The repair protocol: every colour photo under `directory` at its own size gets the seeded
    /// synthetic damage of `Damage.render` (generator `SeededGenerator(seed: seed, index)`); the
    /// degraded L* is repaired with `settings` (detected mask, fade correction, no grain
    /// reduction by default) and scored against the clean L* inside and outside the damage's mask;
    /// the detected mask against the damage's; the automatic colour (this evaluator's settings) of
    /// the repaired and of the degraded L* against the photo; and the clean photo is repaired too,
    /// to measure what a repair wrongly changes. `trueMasks`: the detector is not run and each
    /// degraded photo is repaired inside the damage's own mask (the ceiling of the inpainting, fade
    /// correction and grain reduction given a perfect mask; the clean photo then has nothing to fill).
    public func runRepair(directory: URL, restorer: Restorer, settings: RepairSettings = RepairSettings(),
                          trueMasks: Bool = false,
                          progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> RepairReport {
        var files = try BatchPlan.imageFiles(under: directory)
        if let limit = options.limit { files = Array(files.prefix(limit)) }
        let request = ColorizeRequest(settings: options.settings)
        var rows: [RepairRow] = []
        var sheetTiles: [[PlanarImage]] = []
        for (index, rel) in files.enumerated() {
            progress(index, files.count, rel)
            guard let decoded = try? ImageCodec.read(url: directory.appendingPathComponent(rel)), decoded.image.channels == 3 else { continue }
            let rgb = decoded.image
            let clean = lightness(of: rgb)
            var rng = SeededGenerator(seed: options.seed, index)
            let damage = Damage.render(clean, rng: &rng)
            let t0 = DispatchTime.now()
            var s = settings
            if trueMasks { s.detect = false; s.mask = damage.mask }
            let repaired = try restorer.repair(lightness: damage.damaged, s)
            let elapsed = ms(since: t0)
            var r = RepairRow(file: rel, pixels: clean.planeSize, defects: 0, truePositives: 0, falsePositives: 0,
                              sseInsideDegraded: 0, sseInsideRepaired: 0, sseOutsideDegraded: 0, sseOutsideRepaired: 0,
                              colourDegraded: 0, colourRepaired: 0, cleanMeanChange: 0, cleanFlagged: 0, milliseconds: elapsed)
            for i in clean.data.indices {
                let truth = damage.mask.data[i] > 0.5, found = repaired.mask.data[i] > 0.5
                let ed = Double(damage.damaged.data[i] - clean.data[i]), er = Double(repaired.lightness.data[i] - clean.data[i])
                if truth {
                    r.defects += 1
                    let kind = Int(damage.kinds[i])
                    r.defectsByKind[kind] += 1
                    let band = RepairReport.changeBand(damage.change[i])
                    r.defectsByChange[band] += 1
                    if found { r.truePositives += 1; r.foundByKind[kind] += 1; r.foundByChange[band] += 1 }
                    r.sseInsideDegraded += ed * ed
                    r.sseInsideRepaired += er * er
                } else {
                    if found { r.falsePositives += 1 }
                    r.sseOutsideDegraded += ed * ed
                    r.sseOutsideRepaired += er * er
                }
            }
            if sheetTiles.count < options.sheetRows,
               let tiles = RepairReport.sheetTiles(damaged: damage.damaged, truth: damage.mask, found: repaired.mask,
                                                   repaired: repaired.lightness) {
                sheetTiles.append(tiles)
            }
            r.colourDegraded = Metrics.psnr(try colorizer.colorize(lightness: damage.damaged, request).rgb, rgb)
            r.colourRepaired = Metrics.psnr(try colorizer.colorize(lightness: repaired.lightness, request).rgb, rgb)
            var sc = settings
            if trueMasks { sc.detect = false }
            let onClean = try restorer.repair(lightness: clean, sc)
            var change = 0.0
            for i in clean.data.indices { change += Double(abs(onClean.lightness.data[i] - clean.data[i])) }
            r.cleanMeanChange = change / Double(clean.planeSize)
            r.cleanFlagged = onClean.maskedShare
            rows.append(r)
        }
        guard !rows.isEmpty else { throw FindColorError.invalidOption("no readable colour photos under \(directory.path)") }
        return RepairReport(rows: rows, seed: options.seed, sheet: Self.contactSheet(sheetTiles))
    }
}

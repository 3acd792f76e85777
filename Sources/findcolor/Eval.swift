import ArgumentParser
import FindColor
import FindColorImage
import Foundation

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure PSNR and colourfulness with the published protocols.",
        discussion: """
            Protocol A (Zhang et al. 2017): 256×256, 6×6 mean-ab hints, centre-Gaussian placement.
            Protocol B (iColoriT 2023): 224×224, 2×2 hints, uniform placement.
            Protocol native: each photo at its own size, protocol A's hints (for the full-resolution pipeline).
            Protocol mosaic: --grid × --grid photos of --tile² px tiled into one photo (--mosaics of them, \
            seeded), colourized whole and, as the bound, each tile alone; PSNR and colourfulness of both.
            One-hint precision: the hint of PSNR@1 alone; how far each pixel's colour moves towards the hint's \
            colour. reach = mean movement where the true colour is within 10 ab of the hint's, leak = the \
            same where it is more than 30 ab away, leak share = the fraction of those moved more than 5 ab \
            (pixels within 8 px of the hint are left out).
            Gross colour errors of the automatic (k = 0) output: the share of pixels more than 30 ab from the \
            true colour and more chromatic than it by over 15 (invented colour) or less by over 15 (timid).
            PSNR on 8-bit sRGB; colourfulness per Hasler & Süsstrunk. Seeded: numbers repeat.
            Writes eval.csv (per photo), summary.md (the table) and contact_sheet.png \
            (gray | automatic | with hints | ground truth) into --out.
            Protocol repair: each photo at its own size gets a seeded synthetic damage (fading, scratches, \
            dust, hairs, spots, cracks, torn corners, grain: the recipe is in Sources/FindColor/Damage.swift), \
            is repaired (the --repair options) and scored: precision, recall and F1 of the detected defect \
            mask; L* PSNR inside and outside the damage's mask, degraded and repaired; automatic colour PSNR \
            of the degraded and of the repaired photo; and the repair of the clean photo (mean |ΔL*|, pixels \
            flagged). Writes summary.md and eval.csv.
            """)

    @Option(help: "Folder of colour photos (ground truth).") var data: String
    @Option(name: .customLong("protocol"), help: "A, B, native, mosaic or repair.") var protocolKind: EvalProtocol = .A
    @Option(help: "Hint counts, comma-separated.") var hints = CommaList<Int>([0, 1, 2, 5, 10, 20, 50, 100])
    @Flag(help: "Use each ground-truth photo, mirrored, as the reference photo.") var mirroredReference = false
    @Option(help: "How far every protocol hint reaches: similar or local (as a hint's \"spread\").") var spread: Hint.Spread = .similar
    @Option(help: "Random seed for hint placement, the photos of mosaics and the repair protocol's damage.") var seed: UInt64 = 0
    @Option(help: "Mosaic: tiles per side.") var grid: Int = 4
    @Option(help: "Mosaic: tile side in pixels.") var tile: Int = 512
    @Option(help: "Mosaic: how many mosaics.") var mosaics: Int = 3
    @Option(help: "Evaluate only the first N photos.") var limit: Int?
    @Option(help: "Folder for eval.csv, summary.md and contact_sheet.png.") var out: String = "eval-out"
    @Flag(inversion: .prefixedNo, help: "One-hint precision: reach, leak and leak share (two more runs per photo).")
    var hintPrecision = true
    @Option(help: "Also colour every photo at this precision (the same model) and report its PSNR and how far the outputs' ab lie from its (p50, p99, max): e.g. --precision bf16 --baseline-precision fp32.")
    var baselinePrecision: PrecisionChoice?
    @OptionGroup(title: "Settings") var settingsOptions: SettingsOptions
    @OptionGroup(title: "Repair (protocol repair)") var repairOptions: RepairOptions
    @Flag(help: "Protocol repair: repair inside the damage's own masks instead of the detected ones (the inpainting's ceiling with a perfect detector).")
    var trueMasks = false
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        guard !hints.values.isEmpty, hints.values.allSatisfy({ (0...HintParser.maxHints).contains($0) }) else {
            throw ValidationError("--hints must be a comma-separated list of counts in 0…\(HintParser.maxHints), e.g. 0,1,10")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        if baselinePrecision != nil, protocolKind == .mosaic || protocolKind == .repair {
            throw ValidationError("--baseline-precision is for protocols A, B and native")
        }
        if repairOptions.mask != nil || repairOptions.keepMask != nil {
            throw ValidationError("--mask and --keep-mask are for one photo; protocol repair uses the detected masks")
        }
        if trueMasks, protocolKind != .repair { throw ValidationError("--true-masks is for protocol repair") }
    }

    func run() throws {
        let colorizer = try modelOptions.load()
        // Each photo goes through several passes with the same L* (one per hint count, and the
        // one-hint precision's pass without hints, which is PSNR@0's): kept passes are reused (the
        // same numbers), and for a model whose encoder does not see the hints, so is the encoding.
        colorizer.passCache = PassCache()
        var o = EvalOptions()
        o.protocolKind = protocolKind
        o.ks = hints.values
        o.seed = seed
        let settings = settingsOptions.settings
        o.settings = settings
        o.mirroredReference = mirroredReference
        o.limit = limit
        o.precision = hintPrecision
        o.spread = spread
        if let baselinePrecision {
            var opts = modelOptions
            opts.precision = baselinePrecision
            try opts.validate()
            o.baseline = try opts.load()
        }
        if !o.ks.contains(o.sheetK) { o.sheetK = o.ks.last(where: { $0 > 0 }) ?? 0 }
        let evaluator = Evaluator(colorizer: colorizer, options: o)
        if protocolKind == .mosaic {
            let m = MosaicOptions(grid: grid, tile: tile, mosaics: mosaics, seed: seed)
            try m.validate()
            let report = try evaluator.runMosaics(directory: URL(fileURLWithPath: data), mosaic: m)
            let header = "protocol mosaic (\(grid)×\(grid) tiles of \(tile)², \(mosaics) mosaics from \(data), seed \(seed)), preset \(settings.preset.rawValue)\(settings.overrides.isEmpty ? "" : ", " + settings.overrides.summary)\(settings.vividness > 0 ? ", vividness \(settings.vividness)" : "")\n\n"
            let outURL = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
            try Data((header + report.table).utf8).write(to: outURL.appendingPathComponent("summary.md"), options: .atomic)
            print(header + report.table, terminator: "")
            return
        }
        if protocolKind == .repair {
            let settings = try repairOptions.settings(width: 0, height: 0, limits: DecodeLimits())
            var bar: ProgressBar?
            let report = try evaluator.runRepair(directory: URL(fileURLWithPath: data), restorer: try repairOptions.loadRestorer(),
                                                 settings: settings, trueMasks: trueMasks) { i, n, name in
                if bar == nil { bar = ProgressBar(total: n) }
                bar?.update(done: i, failed: 0, current: name)
            }
            bar?.update(done: report.rows.count, failed: 0, current: "")
            var what = "fade \(settings.fade ? "on" : "off"), denoise \(settings.denoise), inpainting \(settings.inpainting.rawValue)"
            if trueMasks {
                what += ", the damage's own masks"
            } else {
                if let t = settings.threshold { what += ", threshold \(t)" }
                if let t = settings.seedThreshold { what += ", seed threshold \(t)" }
                if let m = settings.mirrors { what += ", \(m) detector searches" }
                if !settings.growHalo { what += ", no halo growth" }
            }
            let header = "protocol repair (\(what)), colour preset \(o.settings.preset.rawValue), \(report.rows.count) photos from \(data), seed \(seed)\n\n"
            let outURL = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
            try Data((header + report.table).utf8).write(to: outURL.appendingPathComponent("summary.md"), options: .atomic)
            try Data(report.csv.utf8).write(to: outURL.appendingPathComponent("eval.csv"), options: .atomic)
            if let sheet = report.sheet {
                try ImageCodec.write(sheet, to: outURL.appendingPathComponent("contact_sheet.png"), format: .png(bitDepth: 8))
            }
            print(header + report.table, terminator: "")
            return
        }
        var bar: ProgressBar?
        let (report, failures) = try evaluator.run(directory: URL(fileURLWithPath: data)) { i, n, name in
            if bar == nil { bar = ProgressBar(total: n) }
            bar?.update(done: i, failed: 0, current: name)
        }
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let skipped = report.skippedGray.isEmpty ? "" : "; skipped \(report.skippedGray.count) with gray ground truth (\(report.skippedGray.joined(separator: ", ")))"
        let header = "protocol \(protocolKind.rawValue), preset \(settings.preset.rawValue)\(settings.overrides.isEmpty ? "" : ", " + settings.overrides.summary)\(mirroredReference ? ", mirrored ground truth as reference" : "")\(settings.vividness > 0 ? ", vividness \(settings.vividness)" : "")\(spread == .local ? ", local hints" : "")\(modelOptions.resolvedPrecision != .fp32 || baselinePrecision != nil ? ", precision \(modelOptions.resolvedPrecision)" : "")\(baselinePrecision.map { b in var o = modelOptions; o.precision = b; return " (baseline: \(o.resolvedPrecision))" } ?? ""), \(report.rows.count) photos from \(data), seed \(seed)\(skipped)\n\n"
        try Data((header + report.table).utf8).write(to: outURL.appendingPathComponent("summary.md"), options: .atomic)
        try Data(report.csv.utf8).write(to: outURL.appendingPathComponent("eval.csv"), options: .atomic)
        if let sheet = report.sheet {
            try ImageCodec.write(sheet, to: outURL.appendingPathComponent("contact_sheet.png"), format: .png(bitDepth: 8))
        }
        print(header + report.table, terminator: "")
        if !failures.isEmpty {
            printError("\(failures.count) file(s) could not be read:")
            for f in failures { FileHandle.standardError.write(Data("  \(f)\n".utf8)) }
        }
    }
}

extension Hint.Spread: ExpressibleByArgument {}

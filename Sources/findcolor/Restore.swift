import ArgumentParser
import FindColor
import FindColorImage
import FindColorNN
import Foundation

extension Inpainting.Method: ExpressibleByArgument {}

/// How to repair (`RepairSettings`), shared by `restore` and `colorize --repair`.
struct RepairOptions: ParsableArguments {
    @Option(help: "Defect mask to repair instead of the detected one (white = repair; e.g. a corrected --mask-out).")
    var mask: String?
    @Flag(help: "With --mask: repair the detected defects too (the mask adds to them).")
    var detectToo = false
    @Option(help: "Mask of areas never to repair (white = keep as it is).")
    var keepMask: String?
    @Option(help: "Grain reduction strength 0…1 (0: off).")
    var denoise: Float = 0
    @Flag(help: "Do not correct the fade (black and white points, gamma).")
    var noFade = false
    @Option(help: "Defect probability threshold of the detector, (0, 1) (default: the model's).")
    var defectThreshold: Float?
    @Option(help: "Keep only defect regions that reach this probability somewhere, (0, 1) (default: the model's; hysteresis).")
    var defectSeedThreshold: Float?
    @Option(help: "Detector searches averaged: 1 (the photo as it is), 2 (and mirrored left to right) or 4 (and top to bottom, and both) (default: the model's).")
    var defectMirrors: Int?
    @Flag(help: "Do not grow the detected defects into their halos (the faint edges of a scratch or speck).")
    var noHalo = false
    @Option(help: "How defects are filled: pushPull or fastMarching.")
    var inpainting: Inpainting.Method = .default
    @Option(help: "Defect detector file (default: Models/findcolor-repair-v1.safetensors beside the colour model).")
    var detector: String?
    @Option(help: "Detector arithmetic: fp32; bf16 (its own convolutions, the ImageNet features stay fp32; needs AVX-512 BF16); auto: bf16 where it is also faster (AVX-512 BF16 on an AMD CPU), else fp32.")
    var defectPrecision: DetectorPrecisionChoice = .auto

    func validate() throws {
        guard denoise.isFinite, (0...1).contains(denoise) else { throw ValidationError("--denoise must be in 0…1") }
        if let t = defectThreshold, !(t > 0 && t < 1) { throw ValidationError("--defect-threshold must be in (0, 1)") }
        if let t = defectSeedThreshold, !(t > 0 && t < 1) { throw ValidationError("--defect-seed-threshold must be in (0, 1)") }
        if let m = defectMirrors, !DefectDetector.mirrorCounts.contains(m) { throw ValidationError("--defect-mirrors must be 1, 2 or 4") }
        if detectToo && mask == nil { throw ValidationError("--detect-too needs --mask") }
        if defectPrecision == .bf16 && !Precision.bf16.isSupported {
            throw ValidationError("--defect-precision bf16 needs a CPU with AVX-512 BF16 and oneDNN (this one lacks one of them): use fp32 or auto")
        }
    }

    var detects: Bool { mask == nil || detectToo }

    /// The settings for one photo of `width`×`height` (masks are read and checked here).
    func settings(width: Int, height: Int, limits: DecodeLimits) throws -> RepairSettings {
        var s = RepairSettings()
        s.detect = detects
        s.threshold = defectThreshold
        s.seedThreshold = defectSeedThreshold
        s.mirrors = defectMirrors
        s.growHalo = !noHalo
        s.denoise = denoise
        s.fade = !noFade
        s.inpainting = inpainting
        func load(_ path: String, _ what: String) throws -> PlanarImage {
            let m = ColorizeRequest.regionMask(from: try readImage(path, limits: limits, what: what).image)
            guard m.width == width, m.height == height else {
                throw InputError("\(what) \(path) is \(m.width)×\(m.height) but the photo is \(width)×\(height)")
            }
            return m
        }
        s.mask = try mask.map { try load($0, "defect mask") }
        s.eraseMask = try keepMask.map { try load($0, "keep mask") }
        return s
    }

    func loadRestorer() throws -> Restorer {
        guard detects else { return Restorer(detector: nil) }
        let precision = defectPrecision.resolved
        if let detector { return Restorer(detector: try DefectDetector(modelURL: URL(fileURLWithPath: detector), precision: precision)) }
        return try Restorer.bundled(precision: precision)
    }
}

/// `--defect-precision`: a `Precision`, or auto (`DefectDetector.automaticPrecision`).
enum DetectorPrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, fp32, bf16

    var resolved: Precision { Precision(rawValue: rawValue) ?? DefectDetector.automaticPrecision }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Repair a damaged scan: scratches, dust, hairs, spots, cracks, torn corners, grain and fading.",
        discussion: """
            Examples:
              findcolor restore scan.jpg -o repaired.png
              findcolor restore scan.jpg -o repaired.png --mask-out defects.png --denoise 0.5
              findcolor restore scan.jpg -o repaired.png --mask defects-corrected.png
              findcolor colorize scan.jpg -o colour.png --repair      (repair, then colour)
            The defects are found by the bundled detector (Models/findcolor-repair-v1.safetensors) and \
            filled from the pixels around them; the output is the repaired lightness as a gray photo. \
            --mask-out writes the defect mask (white = repaired) so it can be corrected in any editor \
            and given back with --mask.
            """
    )

    @Argument(help: "The scan (JPEG, PNG or TIFF; colour or gray).")
    var input: String

    @Option(name: .shortAndLong, help: "Output file (png, png16, jpeg or tiff by its extension, or --format).")
    var output: String

    @Option(help: "Also write the defect mask that was repaired (PNG, white = repaired).")
    var maskOut: String?

    @Option(help: "Output format: png, png16, jpeg or tiff (default: from the output's extension).")
    var format: FormatChoice?

    @Option(help: "JPEG quality 1…100.")
    var quality: Int = 95

    @OptionGroup(title: "Repair") var repair: RepairOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be in 1…100") }
    }

    func run() throws {
        let inURL = URL(fileURLWithPath: input), outURL = URL(fileURLWithPath: output)
        guard !BatchPlan.sameFile(inURL, outURL) else {
            throw ValidationError("the output \(output) is the input photo itself; FindColor never replaces an original")
        }
        let fmt: OutputFormat
        if let format { fmt = format.encoding(quality: quality) } else if let f = OutputFormat(fileExtension: outURL.pathExtension, jpegQuality: quality) {
            fmt = f
        } else {
            throw ValidationError("cannot tell the output format from \(outURL.lastPathComponent); use --format")
        }
        let maskFormat = try maskOut.map { path -> OutputFormat in
            let url = URL(fileURLWithPath: path)
            guard url.pathExtension.lowercased() == "png" else { throw ValidationError("--mask-out must name a .png file") }
            guard !BatchPlan.sameFile(inURL, url) else { throw ValidationError("--mask-out is the input photo itself") }
            return .png(bitDepth: 8)
        }
        let limits = limitOptions.limits
        limitOptions.applyMemoryMode()
        let L = try readLightness(input, limits: limits)
        let (w, h) = (L.width, L.height)
        try fmt.checkCanEncode(width: w, height: h)
        let settings = try repair.settings(width: w, height: h, limits: limits)
        let restorer = try repair.loadRestorer()
        let result = try restorer.repair(lightness: consume L, settings)
        try createFolder(for: outURL)
        try ImageCodec.write(grayImage(lightness: result.lightness), to: outURL, format: fmt)
        if let maskOut, let maskFormat {
            let url = URL(fileURLWithPath: maskOut)
            try createFolder(for: url)
            try ImageCodec.write(result.mask, to: url, format: maskFormat)
        }
        var summary = String(format: "repaired %.2f %% of the pixels", result.maskedShare * 100)
        if settings.denoise > 0 { summary += ", grain reduced (\(settings.denoise))" }
        if let f = result.fade, f.applied { summary += ", fade corrected (\(f))" }
        printError(summary + String(format: " in %.0f ms", result.milliseconds)
                   + (result.steps.isEmpty ? "" : " (\(result.stepSummary))"))
        print("wrote \(output)" + (maskOut.map { " and \($0)" } ?? ""))
    }
}

import ArgumentParser
import FindColor
import FindColorImage
import Foundation

struct Colorize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Colourize photos: one file, several, or whole folder trees (batch).",
        discussion: """
            Examples:
              findcolor colorize old.jpg -o colour.png
              findcolor colorize old.jpg -o colour.png --hints hints.json
              findcolor colorize old.jpg -o colour.png --reference uniform.jpg --region coat-mask.png
              findcolor colorize archive/ -o coloured/ --preset fast --shard 3/16
            Folders are walked recursively and mirrored under OUTPUT; outputs that already exist are \
            skipped, so a killed run continues where it stopped. Failures are listed at the end.
            """
    )

    @Argument(help: "Input photos or folders.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output file (one input) or folder.")
    var output: String

    @Option(help: "Hint file: {\"hints\": [{\"x\":…, \"y\":…, \"size\":…, \"ab\":[a, b] | \"color\":\"#rrggbb\", \"spread\": \"similar\" | \"local\"}]}.")
    var hints: String?

    @Option(help: "Colour reference photo.")
    var reference: String?

    @Option(help: "Mask image of the input's size: the reference applies only where it is white.")
    var region: String?

    @Flag(help: "Also match the reference's global colour distribution.")
    var transferGlobal = false

    @Option(help: "Ensemble preset: fast, balanced or best.")
    var preset: EnsemblePreset = .balanced

    @Option(help: "Short side of the image-wise pass in pixels (default: the preset's).")
    var workingSize: Int?

    @Option(help: "0…1: from the most accurate colours (0) towards more vivid ones (1); 0.3 is a gentle boost.")
    var vividness: Float = 0

    @Option(help: "Output format: png, png16, jpeg or tiff (default: from the output's extension, else the input's).")
    var format: String?

    @Option(help: "JPEG quality 1…100.")
    var quality: Int = 95

    // `.unconditional`: "--shard -1/3" is a (wrong) value, not a missing one.
    @Option(parsing: .unconditional, help: "Process only shard i of N (i/N, 0-based): item k goes to shard k mod N.")
    var shard: String?

    @Flag(help: "Recompute outputs that already exist.")
    var overwrite = false

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be in 1…100") }
        if region != nil && reference == nil { throw ValidationError("--region needs --reference") }
        if transferGlobal && reference == nil { throw ValidationError("--transfer-global needs --reference") }
        if let workingSize, !(64...4096).contains(workingSize) { throw ValidationError("--working-size must be in 64…4096") }
        guard vividness.isFinite, (0...1).contains(vividness) else { throw ValidationError("--vividness must be in 0…1") }
        if let format, Self.outputFormat(format, quality: quality) == nil {
            throw ValidationError("unknown --format \(format) (png, png16, jpeg, tiff)")
        }
        _ = try parseShard()
    }

    func parseShard() throws -> (Int, Int) {
        guard let shard else { return (0, 1) }
        let parts = shard.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw ValidationError("--shard must be i/N with 0 ≤ i < N, e.g. 3/16; got \(shard)")
        }
        return (i, n)
    }

    static func outputFormat(_ name: String, quality: Int) -> OutputFormat? {
        switch name.lowercased() {
        case "png": return .png(bitDepth: 8)
        case "png16": return .png(bitDepth: 16)
        case "jpeg", "jpg": return .jpeg(quality: quality)
        case "tiff", "tif": return .tiff(bitDepth: 8)
        default: return nil
        }
    }

    func run() throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let singleFile = inputs.count == 1 && fm.fileExists(atPath: inputs[0], isDirectory: &isDir) && !isDir.boolValue
        let outputURL = URL(fileURLWithPath: output)
        // One input file and an output that is not an existing folder: write exactly that file.
        let outputIsFile = singleFile && !(fm.fileExists(atPath: output, isDirectory: &isDir) && isDir.boolValue)
        let (shardIndex, shardCount) = try parseShard()
        let plan: BatchPlan
        if outputIsFile {
            let item = BatchPlan.Item(input: URL(fileURLWithPath: inputs[0]), output: outputURL)
            guard !BatchPlan.sameFile(item.input, item.output) else {
                throw ValidationError("the output \(output) is the input photo itself; FindColor never replaces an original")
            }
            plan = BatchPlan(items: [item], alreadyDone: [])
        } else {
            if fm.fileExists(atPath: output, isDirectory: &isDir) && !isDir.boolValue {
                throw InputError("the output \(output) is a file; for a folder or several photos, -o names a folder")
            }
            let ext = format.map { Self.outputFormat($0, quality: quality)!.format.fileExtension }
            plan = try BatchPlan.make(inputs: inputs.map { URL(fileURLWithPath: $0) }, outputDirectory: outputURL,
                                      outputExtension: ext, shard: shardIndex, shardCount: shardCount, overwrite: overwrite)
        }
        if !plan.alreadyDone.isEmpty {
            printError("\(plan.alreadyDone.count) output(s) already exist and are skipped (use --overwrite to redo them)")
        }
        guard !plan.items.isEmpty else {
            if plan.alreadyDone.isEmpty { throw ValidationError("no images found in \(inputs.joined(separator: ", "))") }
            return
        }

        // Everything shared by the whole batch is read once, before the model, so mistakes fail fast.
        let limits = limitOptions.limits
        let hintList: [Hint]? = try hints.map { path in
            do { return try HintParser.parseList(try readHintFile(path)).map(\.hint) } catch let e as FindColorError {
                throw ValidationError("hint file \(path): \(e)")
            }
        }
        let referenceImage: PlanarImage? = try reference.map { path in
            let d = try readImage(path, limits: limits, what: "reference")
            guard d.image.channels == 3 else { throw ValidationError("reference \(path) is not a colour photo") }
            return d.image
        }
        let regionMask = try region.map { try readMask($0, limits: limits) }
        let colorizer = try modelOptions.load()
        var spec = preset.spec
        if let workingSize { spec.shortSide = workingSize }

        let progress = ProgressBar(total: plan.items.count)
        var failures: [(String, String)] = []
        for (i, item) in plan.items.enumerated() {
            progress.update(done: i, failed: failures.count, current: item.input.lastPathComponent)
            do {
                let decoded = try ImageCodec.read(url: item.input, limits: limits)
                let (w, h) = (decoded.image.width, decoded.image.height)
                let fmt = try outputFormat(for: item, input: decoded)
                try fmt.checkCanEncode(width: w, height: h) // before the work: JPEG stops at 65500 px per side
                var request = ColorizeRequest()
                request.preset = preset
                request.ensemble = spec
                request.reference = referenceImage
                request.region = regionMask
                request.transferGlobalColours = transferGlobal
                request.vividness = vividness
                if let hintList {
                    try HintParser.validate(hintList, imageWidth: w, imageHeight: h)
                    request.hints = hintList
                }
                let L = lightness(of: decoded.image)
                let result = try colorizer.colorize(lightness: L, request)
                try createFolder(for: item.output)
                try ImageCodec.write(result.rgb, to: item.output, format: fmt)
            } catch {
                failures.append((item.input.path, describe(error, about: item.input.path)))
                if plan.items.count == 1 { printError("\(item.input.path): \(describe(error, about: item.input.path))"); throw ExitCode.failure }
            }
        }
        progress.update(done: plan.items.count, failed: failures.count, current: "")
        if !failures.isEmpty {
            printError("\(failures.count) of \(plan.items.count) photo(s) failed:")
            for (path, why) in failures { FileHandle.standardError.write(Data("  \(path): \(why)\n".utf8)) }
            throw ExitCode.failure
        }
        if plan.items.count > 1 || !outputIsFile {
            print("colourized \(plan.items.count) photo(s) into \(output)")
        } else {
            print("wrote \(output)")
        }
    }

    func outputFormat(for item: BatchPlan.Item, input: DecodedImage) throws -> OutputFormat {
        if let format { return Self.outputFormat(format, quality: quality)! }
        if let f = ImageFormat(fileExtension: item.output.pathExtension) {
            return f == .jpeg ? .jpeg(quality: quality) : OutputFormat(defaultFor: f)
        }
        throw FindColorError.invalidOption("cannot tell the output format from \(item.output.lastPathComponent); use --format")
    }
}


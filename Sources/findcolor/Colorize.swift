import ArgumentParser
import FindColor
import FindColorImage
import FindColorNN
import FindColorParallel
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
              findcolor colorize archive/ -o coloured/ --shard auto          (in a Slurm job array)
              findcolor colorize archive/ -o coloured/ --shard auto --shards 100   (Kubernetes Indexed Job)
            Folders are walked recursively and mirrored under OUTPUT; outputs that already exist are \
            skipped, so a killed run continues where it stopped. Failures are listed at the end.
            A photo's shard is a hash of its path relative to its input folder, so adding or removing \
            photos never moves another one to a different shard. Sharded runs (and --manifest) append \
            one JSON line per photo to OUTPUT/.findcolor/shard-i.jsonl; `findcolor report OUTPUT` \
            merges them.
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

    @Option(help: "Output format: png, png16, jpeg or tiff (16-bit) (default: from the output's extension, else the input's).")
    var format: FormatChoice?

    @Option(help: "JPEG quality 1…100.")
    var quality: Int = 95

    // `.unconditional`: "--shard -1/3" is a (wrong) value, not a missing one.
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Process only shard i of N (i/N, 0-based), or auto: the index from the scheduler (Slurm job array or Kubernetes Indexed Job).",
        discussion: "A photo's shard is the SHA-256 of its path relative to its input folder (first 8 bytes, big-endian) mod N."))
    var shard: ShardSpec?

    @Option(help: "With --shard auto: the number of shards N (required for a Kubernetes Indexed Job; for Slurm, default: the array's size).")
    var shards: Int?

    @Flag(help: "Write the run manifest OUTPUT/.findcolor/shard-i.jsonl also without --shard (sharded runs always write it).")
    var manifest = false

    @Flag(help: "Recompute outputs that already exist.")
    var overwrite = false

    @Flag(help: "Repair damage (scratches, dust, spots, tears, fading; see `findcolor restore`) before colouring.")
    var repair = false

    @OptionGroup(title: "Settings") var settingsOptions: SettingsOptions
    @OptionGroup(title: "Repair (with --repair)") var repairOptions: RepairOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be in 1…100") }
        if region != nil && reference == nil { throw ValidationError("--region needs --reference") }
        if transferGlobal && reference == nil { throw ValidationError("--transfer-global needs --reference") }
        if !repair && (repairOptions.mask != nil || repairOptions.keepMask != nil || repairOptions.denoise != 0
                       || repairOptions.noFade || repairOptions.defectThreshold != nil || repairOptions.defectSeedThreshold != nil
                       || repairOptions.defectMirrors != nil || repairOptions.noHalo
                       || repairOptions.detector != nil) {
            throw ValidationError("the repair options need --repair")
        }
        do { try ShardAssignment.checkSyntax(shard: shard, shards: shards) } catch let FindColorError.invalidOption(m) {
            throw ValidationError(m)
        }
    }

    func run() throws {
        let started = Date()
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let singleFile = inputs.count == 1 && fm.fileExists(atPath: inputs[0], isDirectory: &isDir) && !isDir.boolValue
        let outputURL = URL(fileURLWithPath: output)
        // One input file and an output that is not an existing folder: write exactly that file.
        let outputIsFile = singleFile && !(fm.fileExists(atPath: output, isDirectory: &isDir) && isDir.boolValue)
        let assignment: ShardAssignment
        do {
            assignment = try ShardAssignment.resolve(shard: shard, shards: shards, environment: ProcessInfo.processInfo.environment)
        } catch let FindColorError.invalidOption(m) {
            throw InputError(m)
        }
        let writesManifest = !outputIsFile && (shard != nil || manifest)
        if manifest && outputIsFile {
            throw InputError("--manifest needs an output folder (-o names the file \(output) here)")
        }
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
            let ext = format?.format.format.fileExtension
            plan = try BatchPlan.make(inputs: inputs.map { URL(fileURLWithPath: $0) }, outputDirectory: outputURL,
                                      outputExtension: ext, shard: assignment.index, shardCount: assignment.count, overwrite: overwrite)
        }
        if plan.totalItems == 0 { throw ValidationError("no images found in \(inputs.joined(separator: ", "))") }
        if shard != nil && !outputIsFile {
            printError("shard \(assignment.description) (\(assignment.source)): \(plan.items.count + plan.alreadyDone.count) of \(plan.totalItems) photo(s)")
        }
        if !plan.alreadyDone.isEmpty {
            printError("\(plan.alreadyDone.count) output(s) already exist and are skipped (use --overwrite to redo them)")
        }
        guard !plan.items.isEmpty || writesManifest else { return }

        // Everything shared by the whole batch is read once, before the model, so mistakes fail fast.
        let limits = limitOptions.limits
        limitOptions.applyMemoryMode()
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
        // The first photo is decoded on a second thread while the model loads (both are mostly
        // single-threaded); its errors are reported in the loop below, as for every photo.
        let firstPhoto = plan.items.first.map { item in Prefetch { try ImageCodec.readLightness(url: item.input, limits: limits) } }
        let colorizer = try modelOptions.load()
        if repair && (repairOptions.mask != nil || repairOptions.keepMask != nil) && !outputIsFile {
            throw ValidationError("--mask and --keep-mask are for one photo; a batch is repaired with the detected masks")
        }
        let restorer = repair ? try repairOptions.loadRestorer() : nil
        var settings = settingsOptions.settings
        settings.transferGlobal = transferGlobal

        let journal = writesManifest
            ? try RunJournal(command: self, plan: plan, assignment: assignment, outputDirectory: outputURL,
                             colorizer: colorizer, settings: settings, started: started)
            : nil
        guard !plan.items.isEmpty else { return }

        let progress = ProgressBar(total: plan.items.count)
        var failures: [(String, String)] = []
        for (i, item) in plan.items.enumerated() {
            progress.update(done: i, failed: failures.count, current: item.input.lastPathComponent)
            let photoStart = Date()
            do {
                // L* alone: a colour scan's RGB is never needed (outputs take the input's L*).
                var L = try (i == 0 && firstPhoto != nil ? firstPhoto!.take() : ImageCodec.readLightness(url: item.input, limits: limits))
                let (w, h) = (L.width, L.height)
                let fmt = try outputFormat(for: item)
                try fmt.checkCanEncode(width: w, height: h) // before the work: JPEG stops at 65500 px per side
                var request = ColorizeRequest(settings: settings)
                request.reference = referenceImage
                request.region = regionMask
                if let hintList {
                    try HintParser.validate(hintList, imageWidth: w, imageHeight: h)
                    request.hints = hintList
                }
                if let restorer {
                    let settings = try repairOptions.settings(width: w, height: h, limits: limits)
                    L = try restorer.repair(lightness: consume L, settings).lightness
                }
                // JPEG and 8-bit PNG straight from 8-bit rows (the same file; a quarter of the memory).
                let encoded = ImageCodec.encodesFrom8Bit(fmt)
                    ? try ImageCodec.encode(colorizer.colorize8(lightness: L, request).rgb, as: fmt)
                    : try ImageCodec.encode(colorizer.colorize(lightness: L, request).rgb, as: fmt)
                try createFolder(for: item.output)
                try ImageCodec.writeAtomically(encoded, to: item.output)
                // The output is in place before its line: a task killed in between leaves a finished
                // output, which its next run finds and records as "existing".
                try journal?.record(item, status: .ok, error: nil, since: photoStart)
            } catch let error as ManifestError {
                throw InputError(error.message)
            } catch {
                let why = describe(error, about: item.input.path)
                failures.append((item.input.path, why))
                do { try journal?.record(item, status: .failed, error: why, since: photoStart) } catch let e as ManifestError {
                    throw InputError(e.message)
                }
                if plan.items.count == 1 { printError("\(item.input.path): \(why)"); throw ExitCode.failure }
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

    func outputFormat(for item: BatchPlan.Item) throws -> OutputFormat {
        if let format { return format.encoding(quality: quality) }
        if let f = OutputFormat(fileExtension: item.output.pathExtension, jpegQuality: quality) { return f }
        throw FindColorError.invalidOption("cannot tell the output format from \(item.output.lastPathComponent); use --format")
    }
}


/// A manifest write that failed: the run stops (its bookkeeping would be lost otherwise).
struct ManifestError: Error, CustomStringConvertible, LocalizedError {
    var message: String
    var description: String { message }
    var errorDescription: String? { message }
}

/// The run manifest of one task: OUTPUT/.findcolor/shard-i.jsonl (see `ManifestWriter`).
final class RunJournal {
    let writer: ManifestWriter
    let outputDirectory: URL
    let base: ManifestRecord

    init(command c: Colorize, plan: BatchPlan, assignment: ShardAssignment, outputDirectory: URL,
         colorizer: Colorizer, settings: ColorizeSettings, started: Date) throws {
        self.outputDirectory = outputDirectory
        // Temporary files of this shard's killed earlier run (only one task runs a shard at a time).
        let stale = plan.staleTemporaryFiles()
        for url in stale { _ = unlink(url.path) }
        if !stale.isEmpty { printError("removed \(stale.count) temporary file(s) left by a killed earlier run of this shard") }

        let env = ProcessInfo.processInfo.environment
        var r = ManifestRecord(type: "photo", shard: assignment.description)
        r.host = RunJournal.hostName()
        r.pid = Int(getpid())
        if let job = env["SLURM_ARRAY_JOB_ID"] ?? env["SLURM_JOB_ID"] {
            r.task = "slurm \(job)" + (env["SLURM_ARRAY_TASK_ID"].map { "_\($0)" } ?? "") + " restart \(env["SLURM_RESTART_COUNT"] ?? "0")"
        } else if let index = env["JOB_COMPLETION_INDEX"] {
            r.task = "kubernetes index \(index)" + (env["HOSTNAME"].map { " pod \($0)" } ?? "")
        }
        r.cores = Parallel.threadCount
        do { r.model = try BatchManifest.modelHash(colorizer.modelURL) } catch { r.model = colorizer.modelURL.path }
        var fields: [String: String] = [
            "preset": settings.preset.rawValue, "working_size": String(settings.ensemble.shortSide), "vividness": String(settings.vividness),
            "format": c.format?.name ?? "as input", "backend": c.modelOptions.backend.rawValue,
        ]
        if c.format.map({ $0.format.format == .jpeg }) ?? true { fields["quality"] = String(c.quality) }
        if !settings.overrides.isEmpty { fields["ensemble"] = settings.overrides.summary }
        if let h = c.hints { fields["hints"] = h }
        if let ref = c.reference { fields["reference"] = ref }
        if let region = c.region { fields["region"] = region }
        if c.transferGlobal { fields["transfer_global"] = "true" }
        if c.overwrite { fields["overwrite"] = "true" }
        r.settings = fields
        base = r

        // Finished outputs this shard's manifest does not mention yet.
        let url = BatchManifest.url(outputDirectory: outputDirectory, shard: assignment.index)
        var recorded = Set<String>()
        if FileManager.default.fileExists(atPath: url.path) {
            for rec in try BatchManifest.read(url).records where rec.status == .ok || rec.status == .existing {
                if let o = rec.output { recorded.insert(o) }
            }
        }
        do {
            writer = try ManifestWriter(outputDirectory: outputDirectory, shard: assignment.index)
        } catch {
            throw InputError("\(error)")
        }
        var start = base
        start.type = "start"
        start.time = ManifestRecord(type: "start", time: started, shard: base.shard).time
        start.inputs = c.inputs.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        start.outputExtension = c.format?.format.format.fileExtension
        start.planned = plan.items.count + plan.alreadyDone.count
        start.total = plan.totalItems
        try append(start)
        for item in plan.alreadyDone where !recorded.contains(relative(item.output)) {
            try record(item, status: .existing, error: nil, since: nil)
        }
    }

    func relative(_ url: URL) -> String {
        let p = url.standardizedFileURL.path, root = outputDirectory.standardizedFileURL.path
        return p.hasPrefix(root + "/") ? String(p.dropFirst(root.count + 1)) : p
    }

    func record(_ item: BatchPlan.Item, status: ManifestRecord.Status, error: String?, since: Date?) throws {
        var r = base
        let now = Date()
        r.time = ManifestRecord(type: "photo", time: now, shard: r.shard).time
        r.input = item.input.standardizedFileURL.path
        r.key = item.key
        r.output = relative(item.output)
        r.status = status
        r.error = error
        if let since { r.ms = (now.timeIntervalSince(since) * 1000 * 10).rounded() / 10 }
        try append(r)
    }

    func append(_ r: ManifestRecord) throws {
        do { try writer.append(r) } catch { throw ManifestError(message: "\(error)") }
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "" }
        return String(cString: buf)
    }
}

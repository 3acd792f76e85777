import Foundation
import FindColorImage

// Run manifests of sharded batches: one JSON line per photo in OUTPUT/.findcolor/shard-i.jsonl,
// and the report that merges them (`findcolor report OUTPUT`).

/// One line of a shard's manifest: a task's start (`type` "start") or one photo (`type` "photo").
public struct ManifestRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// Colourized by this task: the output was written, then this line.
        case ok
        /// The photo could not be colourized (`error` says why); no output was written.
        case failed
        /// The output was already finished when the task started and is not in this shard's manifest
        /// (a run before manifests, another shard count, or a task killed between the output's
        /// rename and its manifest line); not recomputed.
        case existing
    }

    public var type: String
    /// ISO 8601, UTC, milliseconds.
    public var time: String
    /// "i/N".
    public var shard: String
    public var host: String?
    public var pid: Int?
    /// The scheduler's name for the task ("slurm 1234_5 restart 1", "kubernetes index 3 pod …").
    public var task: String?
    /// Compute threads of the task (the cores it was given).
    public var cores: Int?
    /// SHA-256 of the model file.
    public var model: String?
    public var settings: [String: String]?

    // type "photo"
    /// The photo as the task read it.
    public var input: String?
    /// Its path relative to its input folder (what its shard is computed from).
    public var key: String?
    /// Its output, relative to OUTPUT.
    public var output: String?
    public var status: Status?
    public var error: String?
    /// Wall time of the photo: decode, colourize, encode, write.
    public var ms: Double?

    // type "start"
    /// The inputs of the run (files and folders, absolute paths) and the extension of its outputs
    /// (nil: the input's), so a report can list the photos no manifest mentions.
    public var inputs: [String]?
    public var outputExtension: String?
    /// Photos in this shard (to do + already finished) and in all shards.
    public var planned: Int?
    public var total: Int?

    public init(type: String, time: Date = Date(), shard: String) {
        self.type = type
        self.time = ManifestRecord.format(time)
        self.shard = shard
    }

    /// `time` as seconds since 1970: FindColor's own form (`2026-12-02T14:10:03.925Z`) is read
    /// directly (a report reads a million of them), anything else through ISO8601DateFormatter.
    public var epochSeconds: Double? {
        let u = Array(time.utf8)
        func num(_ a: Int, _ b: Int) -> Int? {
            var v = 0
            for i in a..<b {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        if u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u.last == 90,
           let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16), let s = num(17, 19),
           (1...12).contains(mo), (1...31).contains(d) {
            var frac = 0.0
            if u.count > 20 {
                guard u[19] == 46, let f = num(20, u.count - 1) else { return ManifestRecord.parse(time)?.timeIntervalSince1970 }
                frac = Double(f) / pow(10, Double(u.count - 21))
            } else if u[19] != 90 {
                return ManifestRecord.parse(time)?.timeIntervalSince1970
            }
            // Days from 1970-01-01 to y-mo-d (proleptic Gregorian; Howard Hinnant's days_from_civil).
            let yy = mo <= 2 ? y - 1 : y
            let era = (yy >= 0 ? yy : yy - 399) / 400
            let yoe = yy - era * 400
            let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146097 + doe - 719468
            return Double(days * 86400 + h * 3600 + mi * 60 + s) + frac
        }
        return ManifestRecord.parse(time)?.timeIntervalSince1970
    }

    static func format(_ date: Date) -> String { formatter(fractionalSeconds: true).string(from: date) }

    static func parse(_ s: String) -> Date? {
        formatter(fractionalSeconds: true).date(from: s) ?? formatter(fractionalSeconds: false).date(from: s)
    }

    private static func formatter(fractionalSeconds: Bool) -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = fractionalSeconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f
    }
}

public enum BatchManifest {
    /// The folder of the manifests inside OUTPUT (hidden: never walked as input or output).
    public static let folderName = ".findcolor"

    public static func folder(in outputDirectory: URL) -> URL {
        outputDirectory.appendingPathComponent(folderName)
    }

    public static func url(outputDirectory: URL, shard: Int) -> URL {
        folder(in: outputDirectory).appendingPathComponent("shard-\(shard).jsonl")
    }

    /// SHA-256 (hex) of a model file, the `model` of every record.
    public static func modelHash(_ url: URL) throws -> String {
        let data = try Data(contentsOf: url, options: .mappedIfSafe)
        return ContentDigest.sha256Hex(data)
    }

    /// A manifest's readable records and the line numbers (1-based) of lines that are not whole
    /// records: the torn last line of a writer killed mid-line (FindColor's own writer never leaves
    /// one, see `ManifestWriter`, but older or other writers may, and a disk that fills does), or
    /// such a line that a later writer closed off and wrote after.
    public struct Contents {
        public var records: [ManifestRecord] = []
        public var tornLines: [Int] = []
    }

    public static func read(_ url: URL) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ImageError.io(path: url.path, detail: "cannot read the manifest: \(error.localizedDescription)")
        }
        return parse(data)
    }

    public static func parse(_ data: Data) -> Contents {
        var out = Contents()
        let decoder = JSONDecoder()
        let bytes = [UInt8](data)
        var start = 0, line = 0
        while start < bytes.count {
            line += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let slice = bytes[start..<end]
            start = end + 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            // A last line without its newline is kept when it is a whole record (a writer that ends
            // without one); a torn one does not decode.
            if let r = try? decoder.decode(ManifestRecord.self, from: Data(slice)), r.type == "start" || r.type == "photo" {
                out.records.append(r)
            } else {
                out.tornLines.append(line)
            }
        }
        return out
    }
}

/// Appends records to a shard's manifest so that a killed task never leaves a torn line behind it:
/// each record is one `write(2)` of a whole line on a file opened with O_APPEND, flushed with
/// `fsync` before the next photo starts; should the file end in a torn line anyway (a writer that
/// died mid-write, an older version, a full disk), the next record starts with a newline of its own,
/// so that line stays alone and is skipped by the reader while every later line is whole.
public final class ManifestWriter {
    public let url: URL
    private let fd: Int32
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public init(outputDirectory: URL, shard: Int) throws {
        url = BatchManifest.url(outputDirectory: outputDirectory, shard: shard)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ImageError.io(path: url.path, detail: "cannot create the manifest folder \(folder.path): \(ImageError.reason(error))")
        }
        let fd = open(url.path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw ImageError.io(path: url.path, detail: "cannot open the manifest: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
    }

    deinit { _ = close(fd) }

    public func append(_ record: ManifestRecord) throws {
        var line = [UInt8](try encoder.encode(record))
        precondition(!line.contains(0x0A), "JSONEncoder wrote a newline inside a record")
        line.append(0x0A)
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 {
            var last: UInt8 = 0
            if pread(fd, &last, 1, st.st_size - 1) == 1, last != 0x0A { line.insert(0x0A, at: 0) }
        }
        var offset = 0
        while offset < line.count {
            let n = line[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageError.io(path: url.path, detail: "cannot write the manifest: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            throw ImageError.io(path: url.path, detail: "cannot flush the manifest to the disk: \(String(cString: strerror(errno)))")
        }
    }
}

/// What the manifests of an output folder say, merged: `findcolor report OUTPUT`.
public struct BatchReport: Codable, Sendable {
    public struct Failure: Codable, Equatable, Sendable {
        public var output: String
        public var input: String
        public var error: String
        public var shard: String
        public var time: String
    }

    public var output: String
    /// Manifest files read (names inside OUTPUT/.findcolor).
    public var manifests: [String] = []
    /// Lines that are not whole records, "shard-2.jsonl:17" (skipped).
    public var tornLines: [String] = []
    /// The run's inputs (from the manifests' start records, or given) and whether they could be walked.
    public var inputs: [String] = []
    public var inputsReadable = false
    public var inputsProblem: String?
    /// Shard counts seen, and the shards ("i/N") that started at least once.
    public var shardCounts: [Int] = []
    public var shardsStarted: [String] = []

    /// Photos: the inputs' (when they can be walked), else those the manifests mention.
    public var total = 0
    /// Finished outputs with a record: coloured by a recorded run, or found finished.
    public var done = 0
    public var colourized = 0
    public var foundFinished = 0
    public var failed: [Failure] = []
    /// Outputs (relative to OUTPUT) of input photos that no manifest mentions.
    public var missing: [String] = []
    /// Recorded as done, but the output is not (or no longer) there.
    public var outputGone: [String] = []
    /// Photos the manifests mention that the inputs no longer hold (left out of the totals).
    public var notInInputs = 0
    /// Photos with more than one "ok" record (coloured more than once).
    public var colouredMoreThanOnce: [String] = []
    /// Temporary files of killed writers left in OUTPUT (hidden `.*.tmp`).
    public var temporaryFiles: [String] = []

    /// Σ of the photos' times × the cores of their tasks, in hours, and photos per such hour.
    public var photoCoreHours = 0.0
    public var photosPerHourPerCore: Double?
    /// The same over whole task runs (start-up, walking the inputs and loading the model included).
    public var taskCoreHours = 0.0
    public var photosPerHourPerCoreWholeTasks: Double?
    /// Median time of a colourized photo, ms, and the cores per task seen.
    public var medianMs: Double?
    public var coresPerTask: [Int] = []
    /// From the first start to the last record.
    public var wallSeconds: Double?
    public var models: [String] = []
    public var settings: [[String: String]] = []

    /// Every photo done, none failed or missing (and the inputs could be checked).
    public var complete = false

    /// Reads OUTPUT/.findcolor/shard-*.jsonl. `inputs` replaces the inputs named in the manifests
    /// (e.g. when the report runs where the archive is mounted at another path). One manifest is
    /// held at a time; what stays is a few bytes per photo (a million photos fit in well under 1 GB).
    public static func make(outputDirectory: URL, inputs overrideInputs: [URL]? = nil) throws -> BatchReport {
        let fm = FileManager.default
        let folder = BatchManifest.folder(in: outputDirectory)
        var report = BatchReport(output: outputDirectory.path)
        let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".jsonl") }
            .sorted { a, b in
                let ia = Int(a.dropFirst(6).dropLast(6)) ?? Int.max, ib = Int(b.dropFirst(6).dropLast(6)) ?? Int.max
                return ia == ib ? a < b : ia < ib
            }
        guard !names.isEmpty else {
            throw FindColorError.invalidOption(
                "no run manifests in \(folder.path) (they are written by `findcolor colorize … --shard i/N | auto` or `--manifest`)")
        }
        report.manifests = names

        // Per photo (its output, relative to OUTPUT): what its records say.
        struct Photo {
            var ok: Int32 = 0
            var existing = false
            var failure: Failure?
            var failureTime = -Double.infinity
        }
        struct RunKey: Hashable { var shard: String; var host: String; var pid: Int }
        struct Run { var start: Double?; var last: Double?; var cores = 1; var ok = 0 }
        var byOutput: [String: Photo] = [:]
        var starts: [ManifestRecord] = []
        var runs: [RunKey: Run] = [:]
        var okMs: [Double] = []
        var okCount = 0
        var first = Double.infinity, last = -Double.infinity
        var cores = Set<Int>(), shardCounts = Set<Int>(), models = Set<String>()
        var settings: [[String: String]] = []
        for name in names {
            let contents = try BatchManifest.read(folder.appendingPathComponent(name))
            report.tornLines += contents.tornLines.map { "\(name):\($0)" }
            for r in contents.records {
                let t = r.epochSeconds
                if let t { first = min(first, t); last = max(last, t) }
                if let c = r.cores { cores.insert(c) }
                if let n = Int(r.shard.split(separator: "/").last ?? "") { shardCounts.insert(n) }
                if let m = r.model { models.insert(m) }
                if let st = r.settings, !settings.contains(st) { settings.append(st) }
                let key = RunKey(shard: r.shard, host: r.host ?? "", pid: r.pid ?? 0)
                var run = runs[key] ?? Run()
                if let t {
                    if r.type == "start" { run.start = min(run.start ?? t, t) }
                    run.last = max(run.last ?? t, t)
                }
                run.cores = max(run.cores, r.cores ?? 1)
                if r.type == "start" {
                    starts.append(r)
                    runs[key] = run
                    continue
                }
                guard let out = r.output, let status = r.status else { continue }
                var photo = byOutput[out] ?? Photo()
                switch status {
                case .ok:
                    photo.ok += 1
                    run.ok += 1
                    okCount += 1
                    if let ms = r.ms { okMs.append(ms) }
                case .existing:
                    photo.existing = true
                case .failed:
                    if (t ?? 0) >= photo.failureTime {
                        photo.failureTime = t ?? 0
                        photo.failure = Failure(output: out, input: r.input ?? "", error: r.error ?? "(no reason recorded)",
                                                shard: r.shard, time: r.time)
                    }
                }
                if status != .existing { report.photoCoreHours += (r.ms ?? 0) * Double(max(1, r.cores ?? 1)) / 3_600_000 }
                byOutput[out] = photo
                runs[key] = run
            }
        }

        // The photos the inputs hold now.
        var expected = Set<String>()
        var runInputs: [(inputs: [String], ext: String?)] = []
        if let overrideInputs {
            runInputs = [(overrideInputs.map(\.path), starts.last?.outputExtension)]
        } else {
            for s in starts {
                guard let inputs = s.inputs else { continue }
                if !runInputs.contains(where: { $0.inputs == inputs && $0.ext == s.outputExtension }) {
                    runInputs.append((inputs, s.outputExtension))
                }
            }
        }
        report.inputs = Array(Set(runInputs.flatMap(\.inputs))).sorted()
        report.inputsReadable = !runInputs.isEmpty
        if runInputs.isEmpty { report.inputsProblem = "the manifests name no inputs" }
        for run in runInputs {
            do {
                let plan = try BatchPlan.make(inputs: run.inputs.map { URL(fileURLWithPath: $0) }, outputDirectory: outputDirectory,
                                              outputExtension: run.ext)
                for item in plan.items + plan.alreadyDone { expected.insert(relative(item.output, to: outputDirectory)) }
            } catch {
                report.inputsReadable = false
                report.inputsProblem = "cannot walk the inputs \(run.inputs.joined(separator: ", ")): \(error) (give them with --input)"
            }
        }

        // With the inputs at hand, the photos are theirs (records of photos removed since are
        // counted apart); without, the photos the manifests mention.
        let universe = report.inputsReadable ? expected : Set(byOutput.keys)
        report.notInInputs = report.inputsReadable ? byOutput.keys.filter { !expected.contains($0) }.count : 0
        report.total = universe.count
        for out in universe.sorted() {
            guard let photo = byOutput[out] else {
                report.missing.append(out)
                continue
            }
            if photo.ok > 1 { report.colouredMoreThanOnce.append(out) }
            if photo.ok == 0 && !photo.existing {
                report.failed.append(photo.failure ?? Failure(output: out, input: "", error: "(no reason recorded)", shard: "", time: ""))
                continue
            }
            guard BatchPlan.isFinishedOutput(outputDirectory.appendingPathComponent(out)) else {
                report.outputGone.append(out)
                continue
            }
            report.done += 1
            if photo.ok == 0 { report.foundFinished += 1 } else { report.colourized += 1 }
        }

        // Throughput: per photo (Σ photo time × cores), and per task run (host, pid: one run of one
        // task, from its start to its last record × its cores).
        if report.photoCoreHours > 0 { report.photosPerHourPerCore = Double(okCount) / report.photoCoreHours }
        okMs.sort()
        if !okMs.isEmpty { report.medianMs = okMs[okMs.count / 2] }
        var taskOk = 0
        for run in runs.values {
            guard let s = run.start, let l = run.last else { continue }
            report.taskCoreHours += (l - s) * Double(run.cores) / 3600
            taskOk += run.ok
        }
        if report.taskCoreHours > 0 { report.photosPerHourPerCoreWholeTasks = Double(taskOk) / report.taskCoreHours }
        if first <= last { report.wallSeconds = last - first }
        report.coresPerTask = cores.sorted()
        report.shardCounts = shardCounts.sorted()
        report.shardsStarted = Array(Set(starts.map(\.shard))).sorted { a, b in
            let pa = a.split(separator: "/").compactMap { Int($0) }, pb = b.split(separator: "/").compactMap { Int($0) }
            return pa.count == 2 && pb.count == 2 ? (pa[1], pa[0]) < (pb[1], pb[0]) : a < b
        }
        report.models = models.sorted()
        report.settings = settings
        report.temporaryFiles = temporaryFiles(under: outputDirectory).map { relative($0, to: outputDirectory) }
        report.complete = report.failed.isEmpty && report.missing.isEmpty && report.outputGone.isEmpty
            && report.done == report.total && report.inputsReadable
        return report
    }

    static func relative(_ url: URL, to root: URL) -> String {
        let p = url.standardizedFileURL.path, r = root.standardizedFileURL.path
        return p.hasPrefix(r + "/") ? String(p.dropFirst(r.count + 1)) : p
    }

    /// Hidden `.*.tmp` files under `root` (not in .findcolor): what `ImageCodec.writeAtomically`
    /// leaves when its process is killed between creating and renaming.
    static func temporaryFiles(under root: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [URL] = []
        for case let url as URL in e {
            if url.lastPathComponent == BatchManifest.folderName { e.skipDescendants(); continue }
            let name = url.lastPathComponent
            if ImageCodec.isTemporaryFile(name), (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                out.append(url)
            }
        }
        return out.sorted { $0.path < $1.path }
    }

    /// The report for people: totals, failures with reasons, throughput, photos missing from every
    /// manifest; lists cut after `limit` lines each.
    public func text(limit: Int = 50) -> String {
        var s = ""
        func line(_ t: String = "") { s += t + "\n" }
        func list(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            line("\(title) (\(items.count)):")
            for i in items.prefix(limit) { line("  \(i)") }
            if items.count > limit { line("  … and \(items.count - limit) more (--limit)") }
        }
        let shardWord = shardCounts.count == 1 ? "\(shardsStarted.count) of \(shardCounts[0]) shards started" : "shards started: \(shardsStarted.joined(separator: ", "))"
        line("findcolor report for \(output): \(manifests.count) manifest(s), \(shardWord)")
        if inputsReadable {
            line("inputs: \(inputs.joined(separator: ", "))")
        } else {
            line("inputs: not checked — \(inputsProblem ?? "unknown"); photos missing from every manifest cannot be listed")
        }
        line("photos: \(total) · done \(done) (\(colourized) colourized, \(foundFinished) found already finished) · failed \(failed.count) · missing from every manifest \(missing.count)" + (outputGone.isEmpty ? "" : " · output gone \(outputGone.count)")
             + (notInInputs == 0 ? "" : " (and \(notInInputs) recorded photo(s) no longer in the inputs)"))
        if let t = photosPerHourPerCore {
            let cores = coresPerTask.map(String.init).joined(separator: "/")
            var l = String(format: "throughput: %.0f photos/hour per core (%.3f core-hours of photo work, %@ core(s) per task", t, photoCoreHours, cores)
            if let m = medianMs { l += String(format: ", median %.0f ms per photo", m) }
            l += ")"
            line(l)
            if let w = photosPerHourPerCoreWholeTasks {
                line(String(format: "            %.0f photos/hour per core over whole task runs (start-up, walking and model loading included; %.3f core-hours)", w, taskCoreHours))
            }
        }
        if let w = wallSeconds { line("wall clock: \(ProgressBar.clock(w)) from the first start to the last record") }
        if !models.isEmpty { line("model: " + models.map { String($0.prefix(16)) + "…" }.joined(separator: ", ") + (models.count > 1 ? "  (more than one model!)" : "")) }
        for (i, st) in settings.enumerated() {
            line((settings.count > 1 ? "settings \(i + 1): " : "settings: ") + st.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        list("failed", failed.map { "\($0.input): \($0.error)  [shard \($0.shard)]" })
        list("missing from every manifest", missing)
        list("recorded as done but the output is not there", outputGone)
        list("coloured more than once", colouredMoreThanOnce)
        list("lines that are not whole records, skipped (a writer killed mid-line)", tornLines)
        list("temporary files of killed writers (safe to delete when no task runs)", temporaryFiles)
        line(complete ? "complete: every photo is done" : failed.isEmpty ? "not complete" : "FAILED: \(failed.count) photo(s)")
        return s
    }
}

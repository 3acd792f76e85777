import Foundation
import FindColorImage

/// Batch colourization of folders: which files to do, where their outputs go, sharding and
/// resumption. The CLI drives it; the work itself is `Colorizer.colorize`.
public struct BatchPlan {
    public struct Item: Equatable {
        public var input: URL
        public var output: URL
        /// The photo's path relative to the input folder it was found in (its own name when the file
        /// was given directly): what its shard is computed from (`BatchPlan.shard(ofKey:count:)`).
        public var key: String

        public init(input: URL, output: URL, key: String? = nil) {
            self.input = input
            self.output = output
            self.key = key ?? input.lastPathComponent
        }
    }

    public var items: [Item]
    /// Items whose output already exists (skipped: a re-run continues where a killed run stopped).
    public var alreadyDone: [Item]
    /// Photos the inputs hold, in every shard together.
    public var totalItems: Int
    /// Per output folder, the short names `ImageCodec.writeAtomically` gives the temporary files of
    /// this shard's outputs, where no other shard's output shares one (see `staleTemporaryFiles`).
    public var temporaryNames: [String: Set<String>] = [:]

    public init(items: [Item], alreadyDone: [Item], totalItems: Int? = nil) {
        self.items = items
        self.alreadyDone = alreadyDone
        self.totalItems = totalItems ?? items.count + alreadyDone.count
    }

    /// The shard of a photo: the first 8 bytes of the SHA-256 of `key` (its path relative to the
    /// input folder, UTF-8, `/` between folders), read as a big-endian unsigned integer, modulo
    /// `count`. It depends on nothing but the photo's own path and N, so adding or removing other
    /// photos never moves a photo to another shard; the same in Python:
    /// `int(hashlib.sha256(key.encode()).hexdigest()[:16], 16) % count`.
    public static func shard(ofKey key: String, count: Int) -> Int {
        precondition(count >= 1, "a shard count is at least 1")
        let digest = ContentDigest.sha256(Array(key.utf8))
        var v: UInt64 = 0
        for byte in digest[0..<8] { v = v << 8 | UInt64(byte) }
        return Int(v % UInt64(count))
    }

    /// Walks `inputs` (files and folders, recursively, in sorted order), mirrors each folder's tree
    /// under `outputDirectory`, and keeps the items of shard `shard` of `shardCount`: a photo's shard
    /// is a hash of its path relative to its input folder (`shard(ofKey:count:)`), so it stays in the
    /// same shard when photos are added or removed between runs. An output counts as done when it
    /// exists and is not empty; outputs are written atomically (temp file + rename), so a killed run
    /// never leaves a partial file that would be taken for done. An output folder inside an input
    /// folder is not walked (its results are not inputs), and no item may write onto its own input,
    /// even with `overwrite`: originals are never replaced.
    public static func make(inputs: [URL], outputDirectory: URL, outputExtension: String?,
                            shard: Int = 0, shardCount: Int = 1, overwrite: Bool = false) throws -> BatchPlan {
        guard shardCount >= 1, shard >= 0, shard < shardCount else {
            throw FindColorError.invalidOption("--shard must be i/N with 0 ≤ i < N, got \(shard)/\(shardCount)")
        }
        let fm = FileManager.default
        var all: [Item] = []
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input.path, isDirectory: &isDir) else {
                throw FindColorError.invalidOption("no such file or folder: \(input.path)")
            }
            if isDir.boolValue {
                let root = input.standardizedFileURL
                for rel in try imageFiles(under: root, excluding: outputDirectory) {
                    let out = outputDirectory.appendingPathComponent(outputName(rel, ext: outputExtension))
                    all.append(Item(input: root.appendingPathComponent(rel), output: out, key: rel))
                }
            } else {
                let name = outputName(input.lastPathComponent, ext: outputExtension)
                all.append(Item(input: input, output: outputDirectory.appendingPathComponent(name), key: input.lastPathComponent))
            }
        }
        var seen = Set<String>()
        for item in all where !seen.insert(item.output.path).inserted {
            throw FindColorError.invalidOption("two inputs would write the same output \(item.output.path)")
        }
        for item in all where sameFile(item.input, item.output) {
            throw FindColorError.invalidOption(
                "the output \(item.output.path) is the input photo itself; FindColor never replaces an original (choose another output folder or --format)")
        }
        let shards = all.map { shardCount == 1 ? 0 : Self.shard(ofKey: $0.key, count: shardCount) }
        // Temporary names (see staleTemporaryFiles) that belong to this shard alone.
        var owners: [String: [String: Set<Int>]] = [:]
        for (item, s) in zip(all, shards) {
            owners[item.output.deletingLastPathComponent().path, default: [:]][temporaryName(of: item.output), default: []].insert(s)
        }
        var todo: [Item] = [], done: [Item] = []
        var temporaryNames: [String: Set<String>] = [:]
        for (item, s) in zip(all, shards) where s == shard {
            if !overwrite && isFinishedOutput(item.output) { done.append(item) } else { todo.append(item) }
            let folder = item.output.deletingLastPathComponent().path, name = temporaryName(of: item.output)
            if owners[folder]?[name] == [shard] { temporaryNames[folder, default: []].insert(name) }
        }
        var plan = BatchPlan(items: todo, alreadyDone: done, totalItems: all.count)
        plan.temporaryNames = temporaryNames
        return plan
    }

    /// The part of an output's name that `ImageCodec.writeAtomically` puts in its temporary file,
    /// `.<first 32 characters of the name>.<UUID>.tmp`.
    static func temporaryName(of output: URL) -> String {
        String(output.lastPathComponent.prefix(32))
    }

    /// Temporary files left next to this shard's outputs by a killed run of the same shard (a
    /// task that was preempted, requeued or whose pod was replaced): hidden files named
    /// `.<name>.<UUID>.tmp` whose `<name>` belongs to this shard's outputs and to no other shard's.
    /// Only one task runs a shard at a time, so they are nobody's work in progress.
    public func staleTemporaryFiles() -> [URL] {
        var out: [URL] = []
        for (folder, names) in temporaryNames.sorted(by: { $0.key < $1.key }) {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for entry in entries.sorted() where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
                let body = entry.dropFirst().dropLast(4) // <name>.<UUID>
                guard body.count > 37, UUID(uuidString: String(body.suffix(36))) != nil else { continue }
                let head = body.dropLast(36)
                guard head.hasSuffix("."), names.contains(String(head.dropLast())) else { continue }
                out.append(URL(fileURLWithPath: folder).appendingPathComponent(entry))
            }
        }
        return out
    }

    /// An output that exists and is not empty (a 0-byte file is never a finished photo).
    static func isFinishedOutput(_ url: URL) -> Bool {
        var st = stat()
        return stat(url.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0
    }

    /// Whether two paths name the same file: the same device and inode when both exist (hard links
    /// and symbolic links included), else the same resolved path.
    public static func sameFile(_ a: URL, _ b: URL) -> Bool {
        var sa = stat(), sb = stat()
        if stat(a.path, &sa) == 0 && stat(b.path, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        return a.standardizedFileURL.resolvingSymlinksInPath().path == b.standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Relative paths of the image files under `root`, sorted; files under `excluding` (e.g. an
    /// output folder placed inside the input folder) are left out.
    public static func imageFiles(under root: URL, excluding: URL? = nil) throws -> [String] {
        let fm = FileManager.default
        guard let e = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                    options: [.skipsHiddenFiles]) else {
            throw FindColorError.invalidOption("cannot read folder \(root.path)")
        }
        let rootPath = root.resolvingSymlinksInPath().path
        let excluded = excluding.map { $0.standardizedFileURL.resolvingSymlinksInPath().path + "/" }
        var out: [String] = []
        for case let url as URL in e {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  ImageFormat(fileExtension: url.pathExtension) != nil else { continue }
            let p = url.resolvingSymlinksInPath().path
            guard p.hasPrefix(rootPath + "/") else { continue }
            if let excluded, excluded != rootPath + "/", p.hasPrefix(excluded) { continue }
            out.append(String(p.dropFirst(rootPath.count + 1)))
        }
        return out.sorted()
    }

    static func outputName(_ rel: String, ext: String?) -> String {
        guard let ext else { return rel }
        let base = (rel as NSString).deletingPathExtension
        return base + "." + ext
    }
}

/// Which shard of a batch this process does: given by hand (`--shard i/N`) or, with `--shard auto`,
/// read from the scheduler that started it: a Slurm job array (`SLURM_ARRAY_TASK_ID`, with N from
/// `--shards N` or from `SLURM_ARRAY_TASK_MIN`/`MAX`) or a Kubernetes Indexed Job
/// (`JOB_COMPLETION_INDEX`, with `--shards N`).
/// What `--shard` says: `auto` (the index from the scheduler) or `i/N` by hand. The syntax only;
/// `ShardAssignment.checkSyntax` checks the numbers (0 ≤ i < N), with a message that says so.
public enum ShardSpec: Equatable, Sendable, CustomStringConvertible {
    case auto
    case part(index: Int, count: Int)

    /// "auto" or two whole numbers around a slash ("3/16", also "-1/3", refused later); nil otherwise.
    public init?(_ text: String) {
        if text == "auto" { self = .auto; return }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self = .part(index: i, count: n)
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case let .part(i, n): return "\(i)/\(n)"
        }
    }
}

public struct ShardAssignment: Equatable, Sendable {
    public var index: Int
    public var count: Int
    /// Where the assignment came from, for messages and the run manifest.
    public var source: String

    public init(index: Int, count: Int, source: String) {
        self.index = index
        self.count = count
        self.source = source
    }

    public var description: String { "\(index)/\(count)" }

    /// `--shard` and `--shards` as given (`shard` nil: the whole batch, one shard), checked for
    /// syntax only (the environment is read by `resolve`).
    public static func checkSyntax(shard: ShardSpec?, shards: Int?) throws {
        if let shards, !(1...1_000_000).contains(shards) {
            throw FindColorError.invalidOption("--shards must be in 1…1000000, got \(shards)")
        }
        guard let shard else {
            if shards != nil { throw FindColorError.invalidOption("--shards N goes with --shard auto") }
            return
        }
        guard case let .part(i, n) = shard else { return }
        if shards != nil { throw FindColorError.invalidOption("--shards N goes with --shard auto (--shard \(shard) already says N)") }
        guard n >= 1, i >= 0, i < n else {
            throw FindColorError.invalidOption("--shard must be i/N with 0 ≤ i < N (e.g. 3/16) or auto; got \(shard)")
        }
    }

    /// The assignment for `--shard shard --shards shards` in `environment`.
    public static func resolve(shard: ShardSpec?, shards: Int?, environment: [String: String]) throws -> ShardAssignment {
        try checkSyntax(shard: shard, shards: shards)
        guard let shard else { return ShardAssignment(index: 0, count: 1, source: "whole batch") }
        if case let .part(i, n) = shard {
            return ShardAssignment(index: i, count: n, source: "--shard \(shard)")
        }
        func int(_ name: String) throws -> Int? {
            guard let raw = environment[name] else { return nil }
            guard let v = Int(raw.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw FindColorError.invalidOption("--shard auto: \(name)=\(raw) is not a whole number ≥ 0")
            }
            return v
        }
        let slurm = try int("SLURM_ARRAY_TASK_ID"), k8s = try int("JOB_COMPLETION_INDEX")
        switch (slurm, k8s) {
        case (nil, nil):
            throw FindColorError.invalidOption(
                "--shard auto needs a Slurm job array task (SLURM_ARRAY_TASK_ID; submit with sbatch --array) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with --shards N); neither is set here. Use --shard i/N to choose a shard by hand")
        case (.some, .some):
            throw FindColorError.invalidOption(
                "--shard auto: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; cannot tell which scheduler started this task (use --shard i/N)")
        case (let id?, nil):
            if let shards {
                guard id < shards else {
                    throw FindColorError.invalidOption(
                        "--shard auto: SLURM_ARRAY_TASK_ID=\(id) is not below --shards \(shards); with --shards N submit with --array=0-\(shards - 1) (or a subset of it)")
                }
                return ShardAssignment(index: id, count: shards, source: "Slurm array task \(id), --shards \(shards)")
            }
            guard let lo = try int("SLURM_ARRAY_TASK_MIN"), let hi = try int("SLURM_ARRAY_TASK_MAX"), lo <= id, id <= hi else {
                throw FindColorError.invalidOption(
                    "--shard auto: SLURM_ARRAY_TASK_MIN/MAX are missing or do not hold SLURM_ARRAY_TASK_ID=\(id); give the number of shards with --shards N")
            }
            let n = hi - lo + 1
            if let step = try int("SLURM_ARRAY_TASK_STEP"), step != 1 {
                throw FindColorError.invalidOption(
                    "--shard auto: the array has a step of \(step), so its indices are not the shards 0…N-1; give the number of shards with --shards N")
            }
            if let count = try int("SLURM_ARRAY_TASK_COUNT"), count != n {
                throw FindColorError.invalidOption(
                    "--shard auto: the array \(lo)-\(hi) holds \(count) tasks, not \(n) (gaps or a subset); give the number of shards with --shards N")
            }
            return ShardAssignment(index: id - lo, count: n, source: "Slurm array task \(id) of \(lo)-\(hi)")
        case (nil, let index?):
            guard let shards else {
                throw FindColorError.invalidOption(
                    "--shard auto in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX=\(index)) needs --shards N, N = the Job's completions")
            }
            guard index < shards else {
                throw FindColorError.invalidOption("--shard auto: JOB_COMPLETION_INDEX=\(index) is not below --shards \(shards); completions and --shards must be equal")
            }
            return ShardAssignment(index: index, count: shards, source: "Kubernetes completion index \(index), --shards \(shards)")
        }
    }
}

/// A one-line progress bar with ETA for terminals (nothing is drawn when stderr is not a terminal).
public final class ProgressBar {
    private let total: Int
    private let start = Date()
    private let enabled: Bool
    private var lastDraw = Date.distantPast

    public init(total: Int, enabled: Bool = isatty(2) != 0) {
        self.total = total
        self.enabled = enabled
    }

    public func update(done: Int, failed: Int, current: String) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = Date()
        let elapsed = Date().timeIntervalSince(start)
        let frac = total == 0 ? 1 : Double(done) / Double(total)
        let eta = done == 0 ? 0 : elapsed / Double(done) * Double(total - done)
        let width = 24, filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let name = current.count > 32 ? "…" + current.suffix(31) : current
        let line = String(format: "\r[%@] %d/%d  %3.0f%%  ETA %@  %@%@", bar, done, total, frac * 100,
                          ProgressBar.clock(eta), failed > 0 ? "\(failed) failed  " : "", name)
        FileHandle.standardError.write(Data((line.padding(toLength: max(line.count, 100), withPad: " ", startingAt: 0)).utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}

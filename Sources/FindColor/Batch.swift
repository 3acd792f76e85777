import Foundation
import FindColorImage

/// Batch colourization of folders: which files to do, where their outputs go, sharding and
/// resumption. The CLI drives it; the work itself is `Colorizer.colorize`.
public struct BatchPlan {
    public struct Item: Equatable {
        public var input: URL
        public var output: URL

        public init(input: URL, output: URL) {
            self.input = input
            self.output = output
        }
    }

    public var items: [Item]
    /// Items whose output already exists (skipped: a re-run continues where a killed run stopped).
    public var alreadyDone: [Item]

    public init(items: [Item], alreadyDone: [Item]) {
        self.items = items
        self.alreadyDone = alreadyDone
    }

    /// Walks `inputs` (files and folders, recursively, in sorted order so every shard sees the same
    /// list), mirrors each folder's tree under `outputDirectory`, and keeps the items of shard
    /// `shard` of `shardCount` (item i goes to shard i mod N). An output counts as done when it
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
                    all.append(Item(input: root.appendingPathComponent(rel), output: out))
                }
            } else {
                let name = outputName(input.lastPathComponent, ext: outputExtension)
                all.append(Item(input: input, output: outputDirectory.appendingPathComponent(name)))
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
        let mine = all.enumerated().filter { $0.offset % shardCount == shard }.map(\.element)
        var todo: [Item] = [], done: [Item] = []
        for item in mine {
            if !overwrite && isFinishedOutput(item.output) { done.append(item) } else { todo.append(item) }
        }
        return BatchPlan(items: todo, alreadyDone: done)
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

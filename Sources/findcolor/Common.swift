import ArgumentParser
import FindColor
import FindColorImage
import FindColorNN
import FindColorParallel
import Foundation

/// Options shared by the commands that run the model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model file (default: the bundled Models/findcolor-v2.safetensors, or $FINDCOLOR_MODEL).")
    var model: String?

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Kernel backend: onednn (fast) or reference (pure Swift).")
    var backend: BackendChoice = .onednn

    @Option(help: "Convolution arithmetic: fp32; mixed (the decoder in bfloat16, fp32 sums); bf16 (every convolution; moves colours by up to ~6 ab); auto: mixed where it is also faster (AVX-512 BF16 on an AMD CPU, --backend onednn), else fp32.")
    var precision: PrecisionChoice = .auto

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be in 1…256") }
        if let p = precision.explicit, p != .fp32 {
            guard backend == .onednn else { throw ValidationError("--precision \(p) needs --backend onednn") }
            guard p.isSupported else {
                throw ValidationError("--precision \(p) needs a CPU with AVX-512 BF16 and oneDNN (this one lacks one of them): use fp32 or auto")
            }
        }
    }

    /// The precision `load` uses.
    var resolvedPrecision: ModelPrecision {
        precision.explicit ?? (backend == .onednn ? .automatic : .fp32)
    }

    func load() throws -> Colorizer {
        if let threads { Parallel.threadCount = threads }
        let b: Backend = backend == .onednn ? .oneDNN : .reference
        Backend.default = b
        if let model { return try Colorizer(modelURL: URL(fileURLWithPath: model), backend: b, precision: resolvedPrecision) }
        return try Colorizer.bundled(backend: b, precision: resolvedPrecision)
    }
}

/// `--precision`: a `ModelPrecision`, or auto (`ModelPrecision.automatic`).
enum PrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, fp32, mixed, bf16

    var explicit: ModelPrecision? { ModelPrecision(rawValue: rawValue) }
}

enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case onednn, reference
}

/// How to colourize (`ColorizeSettings`): preset, vividness and changes to the preset's ensemble
/// (working size and detail passes: context-adaptive inference, see `EnsembleSpec`), shared by
/// colorize and eval and checked by `ColorizeSettings.validate`.
struct SettingsOptions: ParsableArguments {
    @Option(help: "Ensemble preset: fast, balanced or best.")
    var preset: EnsemblePreset = ColorizeSettings().preset
    @Option(help: "0…1: from the most accurate colours (0) towards more vivid ones (1); 0.3 is a gentle boost.")
    var vividness: Float = 0
    @Option(help: "Short side of the image-wise pass in pixels, \(ColorizeSettings.workingSizes.lowerBound)…\(ColorizeSettings.workingSizes.upperBound) (default: the preset's).")
    var workingSize: Int?
    @Option(help: "Largest detail zoom: 1 (image-wise pass only), 2, 4, 8 … (default: the preset's).")
    var maxZoom: Int?
    @Option(help: "Detail window side in pixels of the zoomed photo (default: the preset's).")
    var window: Int?
    @Option(help: "Detail window stride (default: the preset's).")
    var stride: Int?
    @Option(help: "Finest detail pass as a fraction of the photo's resolution, (0, 1] (default: the preset's).")
    var detailLimit: Double?
    @Option(help: "Fusion weight = confidence^power, 0…16 (default: the preset's).")
    var fusionPower: Float?
    @Flag(help: "Colour a scan of several photos (album page, contact sheet, mosaic) as one scene instead of each photo alone.")
    var wholeScan = false
    @Flag(help: "Run every detail zoom up to --max-zoom (2×, 4×, …; `best` does), not only the finest.")
    var everyZoom = false

    func validate() throws {
        do {
            try settings.validate()
        } catch let e as ColorizeSettings.Invalid {
            throw ValidationError("--\(e.setting.rawValue) \(e.reason)")
        }
    }

    /// The settings (transfer-global aside, which only colorize has), as validated.
    var settings: ColorizeSettings {
        ColorizeSettings(
            preset: preset,
            overrides: EnsembleOverrides(workingSize: workingSize, maxZoom: maxZoom, window: window, stride: stride,
                                         detailLimit: detailLimit, fusionPower: fusionPower,
                                         splitParts: wholeScan ? false : nil, everyZoom: everyZoom ? true : nil),
            vividness: vividness)
    }
}

extension EnsemblePreset: ExpressibleByArgument {}
extension EvalProtocol: ExpressibleByArgument {}

/// `--shard auto` or `--shard i/N` (`ShardSpec`; the numbers are checked by `ShardAssignment.checkSyntax`).
extension ShardSpec: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--format`: png, png16, jpeg (jpg) or tiff (tif), as `OutputFormat(name:)` reads them; the JPEG
/// quality is the command's `--quality` (`encoding(quality:)`).
struct FormatChoice: ExpressibleByArgument {
    /// As given, for the run manifest.
    let name: String
    let format: OutputFormat

    init?(argument: String) {
        guard let format = OutputFormat(name: argument) else { return nil }
        name = argument
        self.format = format
    }

    static var allValueStrings: [String] { ["png", "png16", "jpeg", "tiff"] }

    /// The encoding, with `quality` for JPEG.
    func encoding(quality: Int) -> OutputFormat {
        if case .jpeg = format { return .jpeg(quality: quality) }
        return format
    }
}

/// A comma-separated list of values (`--sizes 256,512`, `--hints 0,1,10`, `--backends onednn,reference`);
/// spaces around the commas are ignored and an empty string is the empty list.
struct CommaList<Element: ExpressibleByArgument>: ExpressibleByArgument {
    var values: [Element]

    init(_ values: [Element]) { self.values = values }

    init?(argument: String) {
        var values: [Element] = []
        for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.trimmingCharacters(in: .whitespaces)
            if text.isEmpty && argument.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let value = Element(argument: text) else { return nil }
            values.append(value)
        }
        self.values = values
    }

    var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}

/// Limits for decoding untrusted images, and how much memory the work may hold (`--low-memory`).
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-megapixels"), help: "Refuse images larger than this many megapixels.")
    var maxMegapixels: Double = 100

    @Flag(name: .customLong("low-memory"),
          help: "Trade time for memory on large scans: freed buffers go back to the system at once (a gray 24 MP photo at best: 0.33 instead of 0.41 GB, at about 1.8× the time); same pixels.")
    var lowMemory = false

    var limits: DecodeLimits { DecodeLimits(maxPixels: Int(maxMegapixels * 1_000_000)) }

    /// Applies `--low-memory` to the process (`TensorMemoryPool.useLowMemoryAllocation`).
    func applyMemoryMode() {
        if lowMemory { TensorMemoryPool.useLowMemoryAllocation() }
    }

    func validate() throws {
        guard maxMegapixels > 0, maxMegapixels <= 2000 else { throw ValidationError("--max-megapixels must be in (0, 2000]") }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("findcolor: \(message)\n".utf8))
}

/// Something wrong with what a command was given to work on (a file, a folder, a hint document),
/// found while it runs: printed as one line, `Error: <message>`, without the usage text that
/// argument-parser adds to `ValidationError`s (`FindColorCommand.main` turns those thrown while
/// running into this, too).
struct InputError: Error, LocalizedError, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
    var errorDescription: String? { message }
}

/// The one-line message of an error (our error types describe themselves for users).
func describe(_ error: Error) -> String {
    "\(error)"
}

/// The message of an error about `file`, for a line that already names `file`: an I/O error
/// about that same file gives just its reason (not the path a second time).
func describe(_ error: Error, about file: String) -> String {
    if case ImageError.io(let path, let detail) = error,
       path == file || path == URL(fileURLWithPath: file).path {
        return detail
    }
    return describe(error)
}

/// Reads and decodes an image file, with a clear message on failure.
func readImage(_ path: String, limits: DecodeLimits, what: String = "image") throws -> DecodedImage {
    do {
        return try ImageCodec.read(url: URL(fileURLWithPath: path), limits: limits)
    } catch {
        throw InputError("\(what) \(path): \(describe(error, about: path))")
    }
}

/// Reads an image file's L* (`ImageCodec.readLightness`: a colour JPEG never becomes float RGB),
/// with `readImage`'s message on failure.
func readLightness(_ path: String, limits: DecodeLimits, what: String = "image") throws -> LightnessImage {
    do {
        return try ImageCodec.readLightness(url: URL(fileURLWithPath: path), limits: limits)
    } catch {
        throw InputError("\(what) \(path): \(describe(error, about: path))")
    }
}

/// Loads a hint file (validated against the image later, per photo). Reads at most one byte more
/// than the largest accepted document, from a file, a pipe (/dev/stdin) or a device alike.
func readHintFile(_ path: String) throws -> Data {
    func failure(_ reason: String) -> InputError { InputError("hint file \(path): \(reason)") }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
    defer { _ = close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0 {
        if (st.st_mode & S_IFMT) == S_IFDIR { throw InputError("hint file \(path) is a folder") }
        if (st.st_mode & S_IFMT) == S_IFREG, st.st_size > HintParser.maxBytes {
            throw failure("the hint document is \(st.st_size) bytes; at most \(HintParser.maxBytes) are accepted")
        }
    }
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while data.count <= HintParser.maxBytes {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw failure(String(cString: strerror(errno)))
        }
        if n == 0 { return data }
        data.append(contentsOf: chunk[0..<n])
    }
    throw failure("the hint document is more than \(HintParser.maxBytes) bytes; at most \(HintParser.maxBytes) are accepted")
}

/// Creates the folder that will hold the output `file`, and the folders above it, with a one-line
/// reason when that is impossible ("… is a file, not a folder", "Permission denied").
func createFolder(for file: URL) throws {
    try makeFolder(file.deletingLastPathComponent().path, for: file.path)
}

private func makeFolder(_ folder: String, for file: String) throws {
    var st = stat()
    if stat(folder, &st) == 0 {
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw ImageError.io(path: file, detail: "cannot write there: \(folder) is a file, not a folder")
        }
        return
    }
    let parent = (folder as NSString).deletingLastPathComponent
    if !parent.isEmpty, parent != folder { try makeFolder(parent, for: file) }
    guard mkdir(folder, 0o777) == 0 || errno == EEXIST else {
        throw ImageError.io(path: file, detail: "cannot create the folder \(folder): \(String(cString: strerror(errno)))")
    }
}

/// A region mask: any image of the input's size; white (> 50 % lightness) is the region
/// (`ColorizeRequest.regionMask(from:)`, the server's rule too).
func readMask(_ path: String, limits: DecodeLimits) throws -> PlanarImage {
    ColorizeRequest.regionMask(from: try readImage(path, limits: limits, what: "region mask").image)
}

/// A value computed on a thread of its own from the moment it is created, taken once: `take()`
/// waits for it, hands it over (rethrowing what computing it threw) and keeps no reference, so a
/// prefetched photo is freed as soon as its taker is done with it.
final class Prefetch<T>: @unchecked Sendable {
    private var result: Result<T, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ compute: @escaping () throws -> T) {
        let thread = Thread { [self] in
            result = Result { try compute() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func take() throws -> T {
        done.wait()
        defer { result = nil }
        return try result!.get()
    }
}

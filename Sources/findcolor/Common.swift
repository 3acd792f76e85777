import ArgumentParser
import FindColor
import FindColorImage
import FindColorNN
import Foundation

/// Options shared by the commands that run the model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model file (default: the bundled Models/findcolor-v2.safetensors, or $FINDCOLOR_MODEL).")
    var model: String?

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Kernel backend: onednn (fast) or reference (pure Swift).")
    var backend: BackendChoice = .onednn

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be in 1…256") }
    }

    func load() throws -> Colorizer {
        if let threads { Parallel.threadCount = threads }
        let b: Backend = backend == .onednn ? .oneDNN : .reference
        Backend.default = b
        if let model { return try Colorizer(modelURL: URL(fileURLWithPath: model), backend: b) }
        return try Colorizer.bundled(backend: b)
    }
}

enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case onednn, reference
}

extension EnsemblePreset: ExpressibleByArgument {}
extension EvalProtocol: ExpressibleByArgument {}

/// Limits for decoding untrusted images.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-megapixels"), help: "Refuse images larger than this many megapixels.")
    var maxMegapixels: Double = 100

    var limits: DecodeLimits { DecodeLimits(maxPixels: Int(maxMegapixels * 1_000_000)) }

    func validate() throws {
        guard maxMegapixels > 0, maxMegapixels <= 2000 else { throw ValidationError("--max-megapixels must be in (0, 2000]") }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("findcolor: \(message)\n".utf8))
}

/// The one-line message of an error (our error types describe themselves for users).
func describe(_ error: Error) -> String {
    "\(error)"
}

/// Reads and decodes an image file, with a clear message on failure.
func readImage(_ path: String, limits: DecodeLimits, what: String = "image") throws -> DecodedImage {
    do {
        return try ImageCodec.read(url: URL(fileURLWithPath: path), limits: limits)
    } catch {
        throw ValidationError("\(what) \(path): \(describe(error))")
    }
}

/// Loads a hint file (validated against the image later, per photo).
func readHintFile(_ path: String) throws -> Data {
    guard let d = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read hint file \(path)") }
    return d
}

/// A region mask: any image of the input's size; white (> 50 % lightness) is the region.
func readMask(_ path: String, limits: DecodeLimits) throws -> PlanarImage {
    let d = try readImage(path, limits: limits, what: "region mask")
    var m = lightness(of: d.image)
    for i in 0..<m.data.count { m.data[i] /= 100 }
    return m
}

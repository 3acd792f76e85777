import Foundation
import FindColorNN

/// The exported model's configuration, stored as JSON in the safetensors metadata under the key
/// `findcolor` by training/findcolor_train/export.py. It is the single source of truth for the
/// architecture's sizes, the input/output scaling and the quantised ab bins.
public struct ModelConfig: Decodable, Sendable {
    public struct Input: Decodable, Sendable {
        public var L_scale: Float
        public var ab_scale: Float
        public var multiple_of: Int
    }

    public var format: String
    public var version: Int
    public var encoder: String
    public var decoder_widths: [Int]
    public var refine: Int
    /// Side of the neighbourhood over which pooled hints are spread (normalised convolution).
    public var hint_spread: Int
    /// Size of the hint attention's query/key projections at 1/16 (absent or 0: the network has none).
    public var hint_attention: Int?
    /// v3: size of the second hint attention's projections at 1/8 (absent or 0: none).
    public var hint_attention_8: Int?
    /// v3: the hint attentions' distance slope: a hint score loses slope × the two cells' distance
    /// in units of the grid's short side (`Ops.hintAttention`; absent: 0, content alone).
    public var hint_attention_distance: Float?
    /// v3: the /2 decoder stage also sees the hints spread over the neighbourhood (absent: false).
    public var fine_hints: Bool?
    /// false: the encoder sees L alone (its stem's hint filters are zero) and the hints reach only
    /// the decoder, so one encoding of a photo serves every change of its hints (absent: true, the
    /// v1/v2 models, whose stem sees [L, a, b, mask]).
    public var encoder_hints: Bool?
    public var n_bins: Int
    public var input: Input
    /// What the network outputs, in words (export.py): `bins` says where the bin logits are, e.g.
    /// "logits at 1/4 resolution".
    public struct Output: Decodable, Sendable {
        public var ab: String?
        public var bins: String?
    }
    public var output: Output?
    public var bin_centres: [[Float]]
    public var annealed_mean_T: Float
    public var trained_steps: Int?

    public static let metadataKey = "findcolor"

    /// The bin logits' grid: one cell per `logitsStride`² input pixels, the "1/N" of `output.bins`
    /// (4 where a configuration does not say).
    public var logitsStride: Int {
        guard let text = output?.bins, let r = text.range(of: #"1/[0-9]+"#, options: .regularExpression) else { return 4 }
        return Int(text[r].dropFirst(2)) ?? 4
    }

    public static func parse(_ json: String) throws -> ModelConfig {
        let cfg: ModelConfig
        do {
            cfg = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        } catch {
            throw FindColorError.model("the model's configuration is unreadable (\(error))")
        }
        guard cfg.format == "findcolor" else { throw FindColorError.model("not a FindColor model (format \(cfg.format))") }
        guard cfg.version == 1 else { throw FindColorError.model("model version \(cfg.version) is not supported (expected 1)") }
        guard cfg.encoder == "mobilenet_v2", cfg.decoder_widths.count == 5 else {
            throw FindColorError.model("unsupported architecture \(cfg.encoder) \(cfg.decoder_widths)")
        }
        guard cfg.logitsStride == FindColorNetwork.binHeadStride else {
            throw FindColorError.model("bin logits at 1/\(cfg.logitsStride) resolution are not supported (this network's bin head is at 1/\(FindColorNetwork.binHeadStride))")
        }
        if let slope = cfg.hint_attention_distance, !(abs(slope) <= 1000) {
            throw FindColorError.model("hint_attention_distance \(slope) is out of range (|slope| ≤ 1000; trained models use 0–10)")
        }
        guard cfg.bin_centres.count == cfg.n_bins, cfg.bin_centres.allSatisfy({ $0.count == 2 }) else {
            throw FindColorError.model("bin table has \(cfg.bin_centres.count) entries, expected \(cfg.n_bins)")
        }
        return cfg
    }
}

/// Where the bundled model is found without flags.
public enum ModelLocator {
    public static let fileName = "findcolor-v2.safetensors"
    public static let environmentVariable = "FINDCOLOR_MODEL"

    /// `FINDCOLOR_MODEL`, else `Models/findcolor-v2.safetensors` in the folder of the executable or
    /// any folder above it (a build tree inside the repository), else in the working directory.
    public static func bundledModelURL() throws -> URL {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            guard fm.fileExists(atPath: env) else {
                throw FindColorError.model("\(environmentVariable)=\(env): no such file")
            }
            return URL(fileURLWithPath: env)
        }
        var candidates: [URL] = []
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            candidates.append(dir.appendingPathComponent("Models").appendingPathComponent(fileName))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Models").appendingPathComponent(fileName))
        if let found = candidates.first(where: { fm.fileExists(atPath: $0.path) }) { return found }
        throw FindColorError.model("the bundled model \(fileName) was not found (looked in Models/ next to the executable and its parents, and in the working directory); pass --model or set \(environmentVariable)")
    }
}

extension WeightStore {
    /// Opens the model file `url` and reads its configuration, the metadata entry `key` (JSON), with
    /// the colorizer's errors: the file is unreadable, or it has no such entry (then `missing`).
    static func model(at url: URL, configKey key: String, missing: String) throws -> (store: WeightStore, config: String) {
        let store: WeightStore
        do {
            store = try WeightStore(contentsOf: url)
        } catch {
            throw FindColorError.model("cannot read \(url.path): \(error)")
        }
        guard let json = store.metadata[key] else { throw FindColorError.model(missing) }
        return (store, json)
    }
}

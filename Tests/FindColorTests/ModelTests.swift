import Foundation
import Testing
import FindColorImage
import FindColorNN
@testable import FindColor
import FindColorTestSupport

/// Parity of the Swift network with the PyTorch golden vectors (training/findcolor_train/golden.py),
/// on both backends, for the bundled v2 and for the v3 architecture (the milestone v3u at step
/// 9,000: the 1/8 hint attention, spread hints at 1/2, hints only in the decoder; its goldens by
/// `python -m findcolor_train.golden --model milestones/findcolor-v3u-step9000.safetensors
/// --out ../Tests/FindColorTests/Fixtures/golden_v3u.safetensors`). Tolerance: 1e-3 in Lab ab
/// units; bin logits 1e-3.
@Suite(.serialized) struct NetworkParity {
    static let models: [(model: URL, golden: URL)] = [
        (Repo.model, Repo.golden),
        (Repo.root.appendingPathComponent("training/milestones/findcolor-v3u-step9000.safetensors"),
         Repo.root.appendingPathComponent("Tests/FindColorTests/Fixtures/golden_v3u.safetensors")),
    ]

    @Test(arguments: [Backend.reference, Backend.oneDNN], [0, 1])
    func matchesPyTorchGoldens(backend: Backend, model: Int) throws {
        let (url, goldenURL) = Self.models[model]
        let colorizer = try Colorizer(modelURL: url, backend: backend)
        let golden = try SafeTensorsFile(contentsOf: goldenURL)
        #expect(golden.metadata["model"] == url.lastPathComponent)
        if model == 1 {  // the v3 parts are there, so the goldens exercise them
            #expect(colorizer.config.hint_attention_8 == 32 && colorizer.config.fine_hints == true)
            #expect(!colorizer.network.encoderSeesHints)
        }
        for name in ["auto_64x64", "hints_64x96", "bins_32x32"] {
            let shape = golden.tensors["\(name).L"]!.shape  // H, W, 1
            let (H, W) = (shape[0], shape[1])
            let L = Tensor(shape: TensorShape(n: 1, h: H, w: W, c: 1), values: try golden.floats("\(name).L"))
            let hints = Tensor(shape: TensorShape(n: 1, h: H, w: W, c: 3), values: try golden.floats("\(name).hint"))
            let wantLogits = golden.tensors["\(name).logits"] != nil
            let (ab, logits) = colorizer.network(L: L, hints: hints, logits: wantLogits)
            let expected = try golden.floats("\(name).ab")
            let got = ab.scalars
            #expect(got.count == expected.count)
            let maxDiff = zip(got, expected).map { abs($0 - $1) }.max()! * colorizer.config.input.ab_scale
            #expect(maxDiff <= 1e-3, "\(url.lastPathComponent) \(name) on \(backend): max |Δab| = \(maxDiff)")
            if wantLogits, let logits {
                let e = try golden.floats("\(name).logits")
                let d = zip(logits.scalars, e).map { abs($0 - $1) }.max()!
                #expect(d <= 1e-3, "\(url.lastPathComponent) \(name) logits on \(backend): max |Δ| = \(d)")
            }
        }
    }

    @Test func configurationIsComplete() {
        let c = Shared.colorizer.config
        #expect(c.n_bins == c.bin_centres.count && c.n_bins > 100)
        #expect(c.input.multiple_of == 32 && c.input.ab_scale == 110)
        #expect(c.logitsStride == 4 && c.output?.bins == "logits at 1/4 resolution")
    }
}

/// Weight loading fails on tensors the network does not use (as mlx-swift's `verify: .noUnusedKeys`):
/// a file whose configuration and weights disagree is refused, naming the tensors.
@Suite struct UnusedWeights {
    func loadError(_ url: URL) -> String? {
        do {
            _ = try Colorizer(modelURL: url, backend: .reference)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func theBundledModelUsesEveryTensor() throws {
        let store = try WeightStore(contentsOf: Repo.model)
        let json = try #require(store.metadata[ModelConfig.metadataKey])
        _ = try FindColorNetwork(config: try ModelConfig.parse(json), weights: store, backend: .reference)
        #expect(store.unusedNames.isEmpty)
    }

    @Test func extraTensorsAreRefusedByName() throws {
        let url = try bundledModelVariant(adding: ["decoder.d16.2.0.weight": [1, 2, 3], "head.old.bias": [0.5]])
        defer { try? FileManager.default.removeItem(at: url) }
        let message = try #require(loadError(url), "a model file with unused tensors was accepted")
        #expect(message.contains("2 weight(s) the network does not use"), "\(message)")
        #expect(message.contains("'decoder.d16.2.0.weight'") && message.contains("'head.old.bias'"), "\(message)")
        // The same tensors without the extras load.
        let clean = try bundledModelVariant()
        defer { try? FileManager.default.removeItem(at: clean) }
        #expect(loadError(clean) == nil)
    }

    /// The bin logits' grid is read from the configuration; one the network cannot produce is refused.
    @Test func binGridComesFromTheConfiguration() throws {
        let url = try bundledModelVariant(config: { $0["output"] = ["ab": "tanh * ab_scale at input resolution", "bins": "logits at 1/8 resolution"] })
        defer { try? FileManager.default.removeItem(at: url) }
        let message = try #require(loadError(url), "a configuration with bins at 1/8 was accepted")
        #expect(message.contains("1/8"), "\(message)")
    }

    /// The hint attentions' distance slope is read from the configuration (absent: 0); one far outside
    /// any trained value is refused by name rather than turning scores into infinities.
    @Test func distanceSlopeComesFromTheConfiguration() throws {
        let ok = try bundledModelVariant(config: { $0["hint_attention_distance"] = 2.5 })
        defer { try? FileManager.default.removeItem(at: ok) }
        #expect(loadError(ok) == nil)
        #expect(try Colorizer(modelURL: ok, backend: .reference).network.attentionDistance == 2.5)
        #expect(Shared.colorizer.network.attentionDistance == 0)
        let bad = try bundledModelVariant(config: { $0["hint_attention_distance"] = 1e30 })
        defer { try? FileManager.default.removeItem(at: bad) }
        let message = try #require(loadError(bad), "a distance slope of 1e30 was accepted")
        #expect(message.contains("hint_attention_distance"), "\(message)")
    }

    /// A configuration without the hint attention, over weights that have it: its tensors are unused.
    @Test func configurationThatIgnoresWeightsIsRefused() throws {
        let url = try bundledModelVariant(config: { $0["hint_attention"] = 0 })
        defer { try? FileManager.default.removeItem(at: url) }
        let message = try #require(loadError(url), "weights the configuration does not use were accepted")
        #expect(message.contains("'decoder.att_k.weight'") && message.contains("'decoder.att_null'"), "\(message)")
    }
}


/// The bundled model's tensors and configuration, plus `extra`, with `transform` applied to each
/// stored tensor's values and `config` to the configuration, written to a temporary file.
func bundledModelVariant(adding extra: [String: [Float]] = [:], transform: ((String, inout [Float]) -> Void)? = nil,
                         config: ((inout [String: Any]) -> Void)? = nil) throws -> URL {
    let file = try SafeTensorsFile(contentsOf: Repo.model)
    var metadata = file.metadata
    if let config {
        var json = try #require(JSONSerialization.jsonObject(with: Data(metadata["findcolor"]!.utf8)) as? [String: Any])
        config(&json)
        metadata["findcolor"] = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
    }
    var writer = SafeTensorsWriter(metadata: metadata)
    for name in file.names {
        var values = try file.floats(name)
        transform?(name, &values)
        writer.add(name, shape: file.tensors[name]!.shape, values: values)
    }
    for (name, values) in extra.sorted(by: { $0.key < $1.key }) {
        writer.add(name, shape: [values.count], values: values)
    }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("findcolor-variant-\(UUID().uuidString).safetensors")
    try writer.write(to: url)
    return url
}

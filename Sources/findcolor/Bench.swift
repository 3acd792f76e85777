import ArgumentParser
import FindColor
import FindColorImage
import FindColorNN
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the network forward pass and the whole pipeline (medians; a benchmark, not a test).",
        discussion: """
            Forward: the network alone at each --sizes (square), for each --backends, median of --repeat runs \
            after 2 warm-up runs. Pipeline: a synthetic photo of --pipeline-megapixels (4:3) through \
            colorize (the colorize settings: --preset, --working-size, …; default as colorize) and JPEG encoding; prints the median time and the process's peak \
            resident memory (VmHWM). Run one pipeline size per process to read its own peak. \
            Layers (--layers): where the forward pass's time goes at each --sizes, per layer and per kind \
            of work (1×1 and depthwise convolutions, concatenations, resizes, the hint attention …), \
            medians of --repeat profiled runs; with a pipeline, also the time spent inside the network's \
            layers over all of its passes (network_layers_median_ms). \
            Repair (--repair-megapixels): the repair of a synthetic photo of that size (4:3) with the protocol's \
            seeded damage (`findcolor eval --protocol repair`), median time of each step (detect, fill, fade) \
            over min(--repeat, 5) runs, with the bundled detector or --detector; with --layers, the detector's \
            layer table (its search of that photo).
            """)

    @Option(help: "Square sizes for the forward pass, comma-separated (empty for none).") var sizes = CommaList<Int>([256, 512])
    @Option(help: "Backends to compare, comma-separated: onednn, reference.") var backends = CommaList<BackendChoice>([.onednn])
    @Option(help: "Precisions to compare, comma-separated: fp32, mixed, bf16, auto (default: --precision alone).") var precisions: CommaList<PrecisionChoice>?
    @Option(help: "Timed runs per measurement.") var `repeat`: Int = 10
    @Option(help: "Whole-pipeline photo size in megapixels (0 for none).") var pipelineMegapixels: Double = 0
    @OptionGroup(title: "Settings of the pipeline measurement") var settingsOptions: SettingsOptions
    @Option(help: "Repair a synthetic damaged photo of this many megapixels and time its steps (0 for none).") var repairMegapixels: Double = 0
    @Option(help: "Defect detector file for --repair-megapixels (default: the bundled one).") var detector: String?
    @Option(help: "Detector precisions to compare for --repair-megapixels, comma-separated: fp32, bf16, auto (each timed in turn within each round).") var defectPrecisions = CommaList<DetectorPrecisionChoice>([.auto])
    @Flag(help: "Also print the per-layer time table of the forward pass at each --sizes, and the pipeline's time inside the network's layers.") var layers = false
    @Flag(help: "Print JSON lines instead of text.") var json = false
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        guard (1...1000).contains(`repeat`) else { throw ValidationError("--repeat must be in 1…1000") }
        guard pipelineMegapixels >= 0, pipelineMegapixels <= 200 else { throw ValidationError("--pipeline-megapixels must be in 0…200") }
        guard repairMegapixels >= 0, repairMegapixels <= 200 else { throw ValidationError("--repair-megapixels must be in 0…200") }
        guard detector == nil || repairMegapixels > 0 else { throw ValidationError("--detector is for --repair-megapixels") }
        guard sizes.values.allSatisfy({ $0 >= 32 && $0 % 32 == 0 && $0 <= 4096 }) else {
            throw ValidationError("--sizes: multiples of 32 up to 4096")
        }
    }

    func run() throws {
        // Every backend × precision is loaded first, then timed in turn within each round, so that
        // a change in the machine's load reaches all of them alike (the ratios are what to read).
        let precisionList = precisions?.values ?? [modelOptions.precision]
        var configs: [(backend: BackendChoice, precision: ModelPrecision, colorizer: Colorizer)] = []
        for b in backends.values {
            for p in precisionList {
                var opts = modelOptions
                opts.backend = b
                opts.precision = p
                try opts.validate()
                configs.append((b, opts.resolvedPrecision, try opts.load()))
            }
        }
        for s in sizes.values {
            let L = Self.syntheticL(width: s, height: s)
            let hints = PlanarImage(width: s, height: s, channels: 3)
            var times = [[Double]](repeating: [], count: configs.count)
            for i in 0..<(`repeat` + 2) {
                for (k, config) in configs.enumerated() {
                    let t0 = DispatchTime.now()
                    _ = config.colorizer.pass(L: L, hints: hints)
                    if i >= 2 { times[k].append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6) }
                }
            }
            for (k, config) in configs.enumerated() {
                var row: [String: Any] = ["what": "forward", "backend": config.backend.rawValue, "size": "\(s)x\(s)",
                                          "median_ms": median(times[k]), "min_ms": times[k].min()!,
                                          "runs": Double(times[k].count)]
                row["precision"] = config.precision.rawValue
                if configs.count > 1 { row["speedup_vs_first"] = median(times[0]) / median(times[k]) }
                report(row)
                if layers { profile(backend: config.backend.rawValue, size: "\(s)x\(s)") { _ = config.colorizer.pass(L: L, hints: hints) } }
            }
        }
        if pipelineMegapixels > 0 {
            let colorizer = try modelOptions.load()
            let w = Int((pipelineMegapixels * 1e6 * 4 / 3).squareRoot()), h = Int(Double(w) * 3 / 4)
            var times: [Double] = [], inLayers: [Double] = []
            let runs = max(1, min(`repeat`, 3))
            for _ in 0..<runs {
                let gray = Self.syntheticGray(width: w, height: h)
                let t0 = DispatchTime.now()
                let L = lightness(of: gray)
                let request = ColorizeRequest(settings: settingsOptions.settings)
                // With --layers, the time inside the network's layers is summed over every pass.
                let (out, entries) = try layers ? LayerProfile.measure { try colorizer.colorize8(lightness: L, request) }
                                                : (try colorizer.colorize8(lightness: L, request), [])
                _ = try ImageCodec.encode(out.rgb, as: .jpeg(quality: 92))  // as `colorize` writes a JPEG
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
                inLayers.append(entries.reduce(0) { $0 + $1.milliseconds })
            }
            var row: [String: Any] = ["what": "pipeline", "backend": modelOptions.backend.rawValue, "size": "\(w)x\(h)", "median_ms": median(times),
                                      "min_ms": times.min()!, "runs": Double(times.count), "peak_rss_mb": Self.peakResidentMB()]
            if layers { row["network_layers_median_ms"] = median(inLayers) }
            report(row)
        }
        if repairMegapixels > 0 { try benchRepair() }
    }

    /// The repair of a synthetic damaged photo of `repairMegapixels`: each step's median time, for
    /// each of `defectPrecisions` (all loaded first, then run in turn within each round, so that a
    /// change in the machine's load reaches them alike).
    func benchRepair() throws {
        let restorers = try defectPrecisions.values.map { choice in
            let p = choice.resolved
            return try detector.map { Restorer(detector: try DefectDetector(modelURL: URL(fileURLWithPath: $0), precision: p)) }
                ?? Restorer.bundled(precision: p)
        }
        let w = Int((repairMegapixels * 1e6 * 4 / 3).squareRoot()), h = Int(Double(w) * 3 / 4)
        var rng = SeededGenerator(seed: 1)
        let L = Damage.render(Self.syntheticL(width: w, height: h), rng: &rng).damaged
        var steps = [[String: [Double]]](repeating: [:], count: restorers.count), order: [String] = []
        var totals = [[Double]](repeating: [], count: restorers.count)
        var share = [Double](repeating: 0, count: restorers.count)
        for _ in 0..<max(1, min(`repeat`, 5)) {
            for (i, restorer) in restorers.enumerated() {
                // A copy of its own, made before the clock starts, as the CLI hands over its plane.
                var input = L
                input.data.withUnsafeMutableBufferPointer { _ in }
                let r = try restorer.repair(lightness: consume input, RepairSettings())
                totals[i].append(r.milliseconds)
                share[i] = r.maskedShare
                for s in r.steps {
                    if !order.contains(s.name) { order.append(s.name) }
                    steps[i][s.name, default: []].append(s.milliseconds)
                }
            }
        }
        let size = "\(w)x\(h)"
        for (i, restorer) in restorers.enumerated() {
            let precision = restorer.detector?.precision.description ?? "none"
            // first_ms: the first run, which also pays for the process's first use of the detector
            // (fresh memory for its activations, oneDNN's primitives made).
            report(["what": "repair", "size": size, "precision": precision, "median_ms": median(totals[i]), "min_ms": totals[i].min()!,
                    "first_ms": totals[i][0], "runs": Double(totals[i].count),
                    "name": String(format: "%.3f %% repaired", share[i] * 100)])
            for name in order where steps[i][name] != nil {
                report(["what": "repair-step", "size": size, "precision": precision, "name": name, "median_ms": median(steps[i][name]!)])
            }
            if i > 0 { report(["what": "repair", "size": size, "precision": precision, "speedup_vs_first": median(totals[0]) / median(totals[i])]) }
        }
        if layers {
            for restorer in restorers {
                guard let d = restorer.detector else { continue }
                profile(backend: "\(d.backend) \(d.precision)", size: size) { _ = d.detect(L) }
            }
        }
    }

    /// Per-layer medians over `repeat` profiled runs of `body` (a forward pass, or a detector's
    /// search): the kinds of work, then the 15 slowest layers.
    func profile(backend: String, size s: String, _ body: () -> Void) {
        var perLayer: [String: [Double]] = [:], info: [String: LayerProfile.Entry] = [:], order: [String] = []
        var totals: [Double] = []
        for _ in 0..<`repeat` {
            let t0 = DispatchTime.now()
            let (_, entries) = LayerProfile.measure(body)
            totals.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
            for e in entries {
                if info[e.name] == nil { info[e.name] = e; order.append(e.name) }
                perLayer[e.name, default: []].append(e.milliseconds)
            }
        }
        let total = median(totals)
        let layerMedian = order.map { (name: $0, ms: median(perLayer[$0]!)) }
        var byKind: [String: (ms: Double, count: Int)] = [:]
        for l in layerMedian {
            let k = info[l.name]!.kind
            byKind[k, default: (0, 0)].ms += l.ms
            byKind[k, default: (0, 0)].count += 1
        }
        let inLayers = layerMedian.reduce(0) { $0 + $1.ms }
        func share(_ ms: Double) -> String { String(format: "%.1f %%", 100 * ms / total) }
        if json {
            for (k, v) in byKind.sorted(by: { $0.value.ms > $1.value.ms }) {
                report(["what": "layers-kind", "backend": backend, "size": s, "kind": k, "median_ms": v.ms, "layers": Double(v.count)])
            }
            for l in layerMedian {
                let e = info[l.name]!
                report(["what": "layer", "backend": backend, "size": s, "name": l.name, "kind": e.kind, "output": e.output, "median_ms": l.ms])
            }
            return
        }
        print("layers at \(s) (\(backend)): " + String(format: "pass %.1f ms (median of %d), in the layers %.1f ms, outside them (input, output copies) %.1f ms",
                                                      total, totals.count, inLayers, total - inLayers))
        print("  by kind:")
        for (k, v) in byKind.sorted(by: { $0.value.ms > $1.value.ms }) {
            print("    \(k.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(format: "%7.2f ms", v.ms))  \(share(v.ms).padding(toLength: 7, withPad: " ", startingAt: 0))  \(v.count) layers")
        }
        print("  slowest layers:")
        for l in layerMedian.sorted(by: { $0.ms > $1.ms }).prefix(15) {
            let e = info[l.name]!
            print("    \(l.name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(e.kind.padding(toLength: 18, withPad: " ", startingAt: 0)) \(e.output.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%6.2f ms", l.ms))  \(share(l.ms))")
        }
    }

    func report(_ fields: [String: Any]) {
        if json {
            let d = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: d, as: UTF8.self))
        } else {
            let keys = ["what", "backend", "precision", "size", "name", "kind", "output", "median_ms", "min_ms", "first_ms", "runs", "speedup_vs_first", "layers", "peak_rss_mb", "network_layers_median_ms"]
            print(keys.compactMap { k in fields[k].map { v in "\(k)=\(v is Double ? String(format: k == "speedup_vs_first" ? "%.2f" : "%.1f", v as! Double) : "\(v)")" } }.joined(separator: "  "))
        }
    }

    func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    /// A deterministic synthetic scene (gradients, discs, texture) as sRGB gray.
    static func syntheticGray(width: Int, height: Int) -> PlanarImage {
        PlanarImage(width: width, height: height, channels: 1) { x, y, _ in
            let u = Float(x) / Float(width), v = Float(y) / Float(height)
            var g = 0.8 - 0.4 * v
            let dx = u - 0.35, dy = v - 0.4
            if dx * dx + dy * dy < 0.04 { g = 0.55 }
            if u > 0.6 && v > 0.5 { g = 0.3 + 0.15 * sin(u * 120) }
            return g
        }
    }

    static func syntheticL(width: Int, height: Int) -> PlanarImage {
        lightness(of: syntheticGray(width: width, height: height))
    }

    /// Peak resident set size of this process (Linux /proc/self/status VmHWM), in MB.
    static func peakResidentMB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return .nan }
        let kb = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? .nan
        return kb / 1024
    }
}

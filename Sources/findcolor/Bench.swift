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
            resident memory (VmHWM). Run one pipeline size per process to read its own peak.
            """)

    @Option(help: "Square sizes for the forward pass, comma-separated (empty for none).") var sizes = CommaList<Int>([256, 512])
    @Option(help: "Backends to compare, comma-separated: onednn, reference.") var backends = CommaList<BackendChoice>([.onednn])
    @Option(help: "Timed runs per measurement.") var `repeat`: Int = 10
    @Option(help: "Whole-pipeline photo size in megapixels (0 for none).") var pipelineMegapixels: Double = 0
    @OptionGroup(title: "Settings of the pipeline measurement") var settingsOptions: SettingsOptions
    @Flag(help: "Print JSON lines instead of text.") var json = false
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        guard (1...1000).contains(`repeat`) else { throw ValidationError("--repeat must be in 1…1000") }
        guard pipelineMegapixels >= 0, pipelineMegapixels <= 200 else { throw ValidationError("--pipeline-megapixels must be in 0…200") }
        guard sizes.values.allSatisfy({ $0 >= 32 && $0 % 32 == 0 && $0 <= 4096 }) else {
            throw ValidationError("--sizes: multiples of 32 up to 4096")
        }
    }

    func run() throws {
        for b in backends.values {
            var opts = modelOptions
            opts.backend = b
            let colorizer = try opts.load()
            for s in sizes.values {
                let L = Self.syntheticL(width: s, height: s)
                let hints = PlanarImage(width: s, height: s, channels: 3)
                var times: [Double] = []
                for i in 0..<(`repeat` + 2) {
                    let t0 = DispatchTime.now()
                    _ = colorizer.pass(L: L, hints: hints)
                    if i >= 2 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6) }
                }
                report(["what": "forward", "backend": b.rawValue, "size": "\(s)x\(s)", "median_ms": median(times),
                        "min_ms": times.min()!, "runs": Double(times.count)])
            }
        }
        if pipelineMegapixels > 0 {
            let colorizer = try modelOptions.load()
            let w = Int((pipelineMegapixels * 1e6 * 4 / 3).squareRoot()), h = Int(Double(w) * 3 / 4)
            var times: [Double] = []
            let runs = max(1, min(`repeat`, 3))
            for _ in 0..<runs {
                let gray = Self.syntheticGray(width: w, height: h)
                let t0 = DispatchTime.now()
                let L = lightness(of: gray)
                let request = ColorizeRequest(settings: settingsOptions.settings)
                let out = try colorizer.colorize(lightness: L, request)
                _ = try ImageCodec.encode(out.rgb, as: .jpeg(quality: 92))
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
            }
            report(["what": "pipeline", "backend": modelOptions.backend.rawValue, "size": "\(w)x\(h)", "median_ms": median(times),
                    "min_ms": times.min()!, "runs": Double(times.count), "peak_rss_mb": Self.peakResidentMB()])
        }
    }

    func report(_ fields: [String: Any]) {
        if json {
            let d = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: d, as: UTF8.self))
        } else {
            let keys = ["what", "backend", "size", "median_ms", "min_ms", "runs", "peak_rss_mb"]
            print(keys.compactMap { k in fields[k].map { v in "\(k)=\(v is Double ? String(format: "%.1f", v as! Double) : "\(v)")" } }.joined(separator: "  "))
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

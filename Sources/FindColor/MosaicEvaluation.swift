import Foundation
import FindColorImage

/// The many-context protocol (`findcolor eval --protocol mosaic`): `grid × grid` colour photos, each
/// resized to `tile × tile`, tiled into one large photo — a scan holding many scenes, where every
/// object is small. The gray mosaic is colourized whole, and, as the bound in the same run, each
/// tile is colourized alone and the results tiled; PSNR (8-bit sRGB, L* of the ground truth) and
/// colourfulness of both against the colour mosaic. Photos are drawn without replacement by a
/// seeded generator per mosaic; photos whose ground truth is gray are never drawn.
public struct MosaicOptions: Sendable {
    public var grid = 4
    public var tile = 512
    public var mosaics = 3
    public var seed: UInt64 = 0

    public init(grid: Int = 4, tile: Int = 512, mosaics: Int = 3, seed: UInt64 = 0) {
        self.grid = grid
        self.tile = tile
        self.mosaics = mosaics
        self.seed = seed
    }

    public func validate() throws {
        guard (1...16).contains(grid) else { throw FindColorError.invalidOption("the mosaic grid must be in 1…16, got \(grid)") }
        guard (32...2048).contains(tile) else { throw FindColorError.invalidOption("the mosaic tile must be in 32…2048 px, got \(tile)") }
        guard (1...100).contains(mosaics) else { throw FindColorError.invalidOption("the number of mosaics must be in 1…100, got \(mosaics)") }
    }
}

public struct MosaicRow: Sendable {
    public var files: [String]
    public var gray: Double
    public var whole: Double
    public var alone: Double
    public var cfTruth: Double
    public var cfWhole: Double
    public var cfAlone: Double
    public var milliseconds: Double
}

public struct MosaicReport: Sendable {
    public var rows: [MosaicRow]
    public var options: MosaicOptions

    public var table: String {
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(1, v.count)) }
        var s = "| metric | mean |\n|---|---|\n"
        s += String(format: "| PSNR gray (ab = 0) | %.2f |\n", mean(rows.map(\.gray)))
        s += String(format: "| PSNR whole mosaic | %.2f |\n", mean(rows.map(\.whole)))
        s += String(format: "| PSNR each tile alone | %.2f |\n", mean(rows.map(\.alone)))
        s += String(format: "| whole − alone, dB | %.2f |\n", mean(rows.map { $0.whole - $0.alone }))
        s += String(format: "| CF ground truth | %.1f |\n", mean(rows.map(\.cfTruth)))
        s += String(format: "| CF whole / alone | %.1f / %.1f |\n", mean(rows.map(\.cfWhole)), mean(rows.map(\.cfAlone)))
        s += String(format: "| ms per mosaic (whole) | %.0f |\n", mean(rows.map(\.milliseconds)))
        return s
    }
}

extension Evaluator {
    /// Runs the mosaic protocol over the colour photos under `directory` with this evaluator's
    /// settings (`options.settings`).
    public func runMosaics(directory: URL, mosaic: MosaicOptions,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> MosaicReport {
        try mosaic.validate()
        let files = try BatchPlan.imageFiles(under: directory)
        let need = mosaic.grid * mosaic.grid
        guard files.count >= need else {
            throw FindColorError.invalidOption("a \(mosaic.grid)×\(mosaic.grid) mosaic needs \(need) photos; \(directory.path) has \(files.count)")
        }
        let request = ColorizeRequest(settings: options.settings)
        var tileCache: [String: PlanarImage?] = [:]
        func tile(_ rel: String) -> PlanarImage? {
            if let t = tileCache[rel] { return t }
            var t: PlanarImage? = nil
            if let decoded = try? ImageCodec.read(url: directory.appendingPathComponent(rel)) {
                var rgb = decoded.image
                if rgb.channels == 1 { rgb = PlanarImage(stacking: [rgb, rgb, rgb]) }
                if rgb.channels == 3 {
                    let S = mosaic.tile
                    let shrink = rgb.width >= S && rgb.height >= S
                    let r = (shrink ? resizeArea(rgb, width: S, height: S) : resizeBicubic(rgb, width: S, height: S)).clamped(to: 0, 1)
                    if Self.meanChroma(srgbToLab(r)) >= Self.minimumChroma { t = r }
                }
            }
            tileCache[rel] = t
            return t
        }
        var rows: [MosaicRow] = []
        for m in 0..<mosaic.mosaics {
            progress(m, mosaic.mosaics)
            var rng = SeededGenerator(seed: mosaic.seed, m, need)
            var order = files
            order.shuffle(using: &rng)
            var chosen: [(String, PlanarImage)] = []
            for rel in order where chosen.count < need {
                if let t = tile(rel) { chosen.append((rel, t)) }
            }
            guard chosen.count == need else {
                throw FindColorError.invalidOption("only \(chosen.count) readable colour photos in \(directory.path); the mosaic needs \(need)")
            }
            let S = mosaic.tile, side = S * mosaic.grid
            var gt = PlanarImage(width: side, height: side, channels: 3)
            for (k, (_, t)) in chosen.enumerated() {
                gt.paste(t, x: (k % mosaic.grid) * S, y: (k / mosaic.grid) * S)
            }
            let lab = srgbToLab(gt)
            let L = lab.channel(0)
            let gray = labToSRGB(lightness: L, ab: PlanarImage(width: side, height: side, channels: 2))
            let t0 = DispatchTime.now()
            let whole = try colorizer.colorize(lightness: L, request).rgb
            let elapsed = ms(since: t0)
            var alone = PlanarImage(width: side, height: side, channels: 3)
            for (k, (_, t)) in chosen.enumerated() {
                alone.paste(try colorizer.colorize(lightness: lightness(of: t), request).rgb, x: (k % mosaic.grid) * S, y: (k / mosaic.grid) * S)
            }
            rows.append(MosaicRow(files: chosen.map(\.0), gray: Metrics.psnr(gray, gt), whole: Metrics.psnr(whole, gt),
                                  alone: Metrics.psnr(alone, gt), cfTruth: Metrics.colourfulness(gt),
                                  cfWhole: Metrics.colourfulness(whole), cfAlone: Metrics.colourfulness(alone), milliseconds: elapsed))
        }
        return MosaicReport(rows: rows, options: mosaic)
    }
}

extension PlanarImage {
    /// Copies `image` (same number of channels) into this one with its top-left corner at (x, y).
    mutating func paste(_ image: PlanarImage, x: Int, y: Int) {
        precondition(image.channels == channels && x >= 0 && y >= 0 && x + image.width <= width && y + image.height <= height,
                     "paste: \(image.width)×\(image.height)×\(image.channels) does not fit at (\(x), \(y))")
        for c in 0..<channels {
            for yy in 0..<image.height {
                let src = c * image.planeSize + yy * image.width
                let dst = c * planeSize + (y + yy) * width + x
                for xx in 0..<image.width { data[dst + xx] = image.data[src + xx] }
            }
        }
    }
}

import Foundation
import FindColorImage
import FindColorNN

/// What a repair does (issue 15). Each step is optional; the defaults are what `findcolor restore`
/// and `colorize --repair` run.
public struct RepairSettings: Sendable, Equatable {
    /// Find the defects with the detector. Off: only `mask` is repaired (nothing when it is nil).
    public var detect = true
    /// The detector's probability threshold (nil: the model's own).
    public var threshold: Float? = nil
    /// Hysteresis seed threshold (nil: the model's own, if any; see `DefectDetector.detect`).
    public var seedThreshold: Float? = nil
    /// Detector searches averaged, 1, 2 or 4 (nil: the model's own; see `DefectDetector.Config.mirrors`).
    public var mirrors: Int? = nil
    /// Grow the detected mask into its defects' halos (`HaloGrowth`, `haloRadius`,
    /// `haloDifference`; not the user's masks).
    public var growHalo = true
    /// Chosen on bsds500 training photos with the repair protocol (the model card's "Halo growth").
    public static let haloRadius = 2
    public static let haloDifference: Float = 24
    /// A defect mask the user drew or corrected (1 channel, the photo's size, > 0.5 = defect). With
    /// `detect` it is added to what the detector finds; `eraseMask` removes areas from both.
    public var mask: PlanarImage? = nil
    /// Areas (> 0.5) that must never be repaired, whatever the detector says.
    public var eraseMask: PlanarImage? = nil
    /// How the defects are filled.
    public var inpainting: Inpainting.Method = .default
    /// Grain reduction strength in [0, 1] (0: off).
    public var denoise: Float = 0
    /// Black and white points and gamma of a faded print.
    public var fade = true

    public init() {}

    public func validate(width: Int, height: Int) throws {
        if let threshold, !(threshold > 0 && threshold < 1) {
            throw FindColorError.invalidOption("the defect threshold must be between 0 and 1 (exclusive), got \(threshold)")
        }
        if let seedThreshold, !(seedThreshold > 0 && seedThreshold < 1) {
            throw FindColorError.invalidOption("the defect seed threshold must be between 0 and 1 (exclusive), got \(seedThreshold)")
        }
        if let mirrors, !DefectDetector.mirrorCounts.contains(mirrors) {
            throw FindColorError.invalidOption("the detector's mirror count must be 1, 2 or 4, got \(mirrors)")
        }
        guard denoise.isFinite, (0...1).contains(denoise) else {
            throw FindColorError.invalidOption("the denoise strength must be between 0 and 1, got \(denoise)")
        }
        for (name, m) in [("defect mask", mask), ("erase mask", eraseMask)] {
            guard let m else { continue }
            guard m.channels == 1 else { throw FindColorError.invalidOption("the \(name) must have 1 channel, got \(m.channels)") }
            guard m.width == width, m.height == height else {
                throw FindColorError.invalidOption("the \(name) is \(m.width)×\(m.height) but the photo is \(width)×\(height)")
            }
        }
    }
}

public struct RepairResult: Sendable {
    /// The repaired L* (1 channel, the input's size).
    public var lightness: PlanarImage
    /// The defects that were filled (1 channel, 0 or 1).
    public let mask: PlanarImage
    /// The number of pixels `mask` marks (counted once, by the repair).
    public let repairedPixels: Int
    /// The fade correction applied (`applied` false when the print was not faded or `fade` is off).
    public var fade: FadeParameters?
    /// The whole repair's time.
    public var milliseconds: Double
    /// The time of each step that ran, in order (`detect`, `fill`, `denoise`, `fade`).
    public var steps: [(name: String, milliseconds: Double)] = []

    /// The steps' times as one line, e.g. "detect 512 ms, fill 80 ms, fade 40 ms".
    public var stepSummary: String {
        steps.map { "\($0.name) " + String(format: "%.0f ms", $0.milliseconds) }.joined(separator: ", ")
    }

    /// The share of pixels repaired.
    public var maskedShare: Double {
        mask.planeSize == 0 ? 0 : Double(repairedPixels) / Double(mask.planeSize)
    }
}

/// Repair of a damaged scan's lightness before colour: detect the defects (`DefectDetector`, or a
/// mask the user gives), fill them (`Inpainting`), reduce the grain (`GrainReduction`), correct the
/// fade (`FadeCorrection`, measured without the defects). Colour is then predicted from the
/// repaired L* (`Colorizer.colorize(lightness:)`).
public final class Restorer: @unchecked Sendable {
    public let detector: DefectDetector?

    /// `detector` nil: only user masks, grain and fade (`RepairSettings.detect` must then be off).
    public init(detector: DefectDetector?) {
        self.detector = detector
    }

    /// The bundled detector in `precision` (`DefectDetector.automaticPrecision` for the CLI's and
    /// the server's default).
    public static func bundled(precision: Precision = .fp32) throws -> Restorer {
        Restorer(detector: try DefectDetector.bundled(precision: precision))
    }

    /// The defects the detector finds in `L` (1 channel, 0 or 1) with `s`'s thresholds and mirror
    /// count, grown into their halos unless `s.growHalo` is off; the user's masks are not applied.
    /// `repair` starts from this, and the web app shows it as the detected mask.
    public func detectedDefects(_ L: PlanarImage, _ s: RepairSettings = RepairSettings()) throws -> PlanarImage {
        guard let detector else { throw FindColorError.model("no defect detector is loaded") }
        var found = detector.detect(L, threshold: s.threshold, seedThreshold: s.seedThreshold, mirrors: s.mirrors)
        guard s.growHalo else { return found }
        do {
            try HaloGrowth.growInPlace(L, mask: &found, radius: RepairSettings.haloRadius, difference: RepairSettings.haloDifference)
            return found
        } catch let e as ImageError {
            throw FindColorError.invalidImage("repair: \(e)")
        }
    }

    /// Repairs `L` (one L* plane): the detected defects (unless `s.detect` is off) with `s`'s mask
    /// added and its erase mask taken away are filled, then the grain reduced and the fade
    /// corrected as `s` asks. `L` is consumed: a caller that passes its last use of an unshared
    /// plane (`consume L`) spares the copy of it (48 MB at 12 MP).
    public func repair(lightness L: consuming PlanarImage, _ s: RepairSettings) throws -> RepairResult {
        let t0 = DispatchTime.now()
        guard L.channels == 1 else { throw FindColorError.invalidImage("repair needs one L* plane, got \(L.channels) channels") }
        guard L.width > 0, L.height > 0 else { throw FindColorError.invalidImage("the photo is empty") }
        try s.validate(width: L.width, height: L.height)
        var steps: [(name: String, milliseconds: Double)] = []
        var stepStart = DispatchTime.now()
        func step(_ name: String) {
            steps.append((name, ms(since: stepStart)))
            stepStart = DispatchTime.now()
        }
        var mask = s.detect ? try detectedDefects(L, s) : PlanarImage(width: L.width, height: L.height, channels: 1)
        if s.detect { step("detect") }
        if let m = s.mask {
            for i in mask.data.indices where m.data[i] > 0.5 { mask.data[i] = 1 }
        }
        if let e = s.eraseMask {
            for i in mask.data.indices where e.data[i] > 0.5 { mask.data[i] = 0 }
        }
        var out = consume L
        let defects = Inpainting.defectCount(mask)
        if defects == mask.planeSize {
            throw FindColorError.invalidOption("the defect mask covers the whole photo: there is nothing to repair from")
        }
        do {
            if defects > 0 {
                try Inpainting.fillInPlace(&out, mask: mask, method: s.inpainting)
                step("fill")
            }
            if s.denoise > 0 {
                out = try GrainReduction.reduce(out, strength: s.denoise)
                step("denoise")
            }
            var fade: FadeParameters? = nil
            if s.fade {
                fade = try FadeCorrection.correctInPlace(&out, mask: defects > 0 ? mask : nil)
                step("fade")
            }
            return RepairResult(lightness: out, mask: mask, repairedPixels: defects, fade: fade, milliseconds: ms(since: t0), steps: steps)
        } catch let e as ImageError {
            throw FindColorError.invalidImage("repair: \(e)")
        }
    }
}

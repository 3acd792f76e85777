import Foundation
import Testing
@testable import FindColorImage

/// `FadeCorrection`: a well-exposed photo is left alone, a faded copy is restored, defects are
/// left out of the measurement, bad inputs.
@Suite struct FadeCorrectionTests {
    /// A full-range photo: a horizontal ramp from 0 to 100 with texture, so its 0.5 % and 99.5 %
    /// points are near 1 and 99 and its median near 50.
    static func fullRange(width: Int = 300, height: Int = 200) -> PlanarImage {
        PlanarImage(width: width, height: height, channels: 1) { x, y, _ in
            let ramp = 100 * Float(x) / Float(width - 1)
            return min(max(ramp + 4 * sinf(Float(y) / 5) * sinf(Float(x) / 7), 0), 100)
        }
    }

    static func faded(_ image: PlanarImage) -> PlanarImage {
        PlanarImage(width: image.width, height: image.height, channels: 1, data: image.data.map { 30 + 0.45 * $0 })
    }

    @Test func wellExposedPhotoIsLeftAlone() throws {
        for photo in [FadeCorrectionTests.fullRange(), FadeCorrectionTests.fullRange(width: 97, height: 41)] {
            let (out, parameters) = try FadeCorrection.correct(photo)
            // Both span more than 70 L*: nothing changes.
            #expect(!parameters.applied && out == photo, "\(parameters)")
        }
        let ramp = FadeCorrectionTests.fullRange()
        let (out, parameters) = try FadeCorrection.correct(ramp)
        #expect(!parameters.applied && out == ramp)
        #expect(parameters.black < 2 && parameters.white > 98)
        #expect(parameters.description.hasPrefix("not applied"))
    }

    @Test func fadedCopyIsRestored() throws {
        let original = FadeCorrectionTests.fullRange()
        let faded = FadeCorrectionTests.faded(original)
        let (restored, parameters) = try FadeCorrection.correct(faded)
        #expect(parameters.applied)
        #expect(abs(parameters.black - 30.5) < 1 && abs(parameters.white - 74.5) < 1, "\(parameters)")
        // Closed form: both points move by share = (70 − range) / 60 of the way to 4 and 94.
        let share = (FadeCorrection.fullRange - (parameters.white - parameters.black)) / FadeCorrection.ramp
        #expect(abs(parameters.targetBlack - (parameters.black + share * (FadeCorrection.targetBlack - parameters.black))) < 1e-3)
        #expect(abs(parameters.targetWhite - (parameters.white + share * (FadeCorrection.targetWhite - parameters.white))) < 1e-3)
        let before = meanAbsDifference(faded, original), after = meanAbsDifference(restored, original)
        print(String(format: "faded ramp: mean |ΔL| %.2f → %.2f ", before, after) + "(\(parameters))")
        // Part of the way back (range 45 of an original 100: share 0.42): a blind correction does not
        // know the original was full range, and most faded prints were not (FadeCorrection's notes).
        #expect(after <= 0.7 * before, "mean error \(before) → \(after)")
        #expect(restored.range.min >= 0 && restored.range.max <= 100)
    }

    @Test func lowKeyAndHighKeyPhotosAreLeftAlone() throws {
        // Dark (0–75) and bright (25–100) scenes span a wide range: neither is a faded print.
        let lowKey = PlanarImage(width: 200, height: 100, channels: 1) { x, _, _ in 75 * Float(x) / 199 }
        let highKey = PlanarImage(width: 200, height: 100, channels: 1) { x, _, _ in 25 + 75 * Float(x) / 199 }
        #expect(!(try FadeCorrection.estimate(lowKey)).applied)
        #expect(!(try FadeCorrection.estimate(highKey)).applied)
        // A slightly squeezed range (65 L*) gets a small part of the correction, a strongly
        // squeezed one (44) a larger part, one under 10 L* wide the full one (within the 3× gain).
        let slight = PlanarImage(width: 200, height: 100, channels: 1) { x, _, _ in 15 + 65 * Float(x) / 199 }
        let p = try FadeCorrection.estimate(slight)
        #expect(p.applied && p.targetBlack < p.black && p.targetBlack > FadeCorrection.targetBlack, "\(p)")
        let strong = try FadeCorrection.estimate(FadeCorrectionTests.faded(FadeCorrectionTests.fullRange()))
        #expect((strong.black - strong.targetBlack) / (strong.black - FadeCorrection.targetBlack)
                > (p.black - p.targetBlack) / (p.black - FadeCorrection.targetBlack), "\(strong) vs \(p)")
        #expect(strong.gamma == 1)
        let fog = PlanarImage(width: 200, height: 100, channels: 1) { x, _, _ in 45 + 8 * Float(x) / 199 }
        let full = try FadeCorrection.estimate(fog)
        #expect(abs((full.targetWhite - full.targetBlack) / (full.white - full.black) - FadeCorrection.maxGain) < 0.01, "\(full)")
    }

    @Test func defectsAreLeftOutOfTheMeasurement() throws {
        let faded = FadeCorrectionTests.faded(FadeCorrectionTests.fullRange())
        // White scratches (2 % of the pixels) would set the white point to 100.
        let mask = RepairFixtures.mask(.scratches, width: faded.width, height: faded.height, seed: 4)
        let scratched = RepairFixtures.damaged(faded, mask: mask, value: 100)
        let withMask = try FadeCorrection.estimate(scratched, mask: mask)
        let without = try FadeCorrection.estimate(faded)
        #expect(abs(withMask.white - without.white) < 0.5 && abs(withMask.black - without.black) < 0.5)
        #expect(try FadeCorrection.estimate(scratched).white > 99)
        // Everything masked: nothing is measured, nothing applied.
        let all = PlanarImage(width: faded.width, height: faded.height, channels: 1, repeating: 1)
        #expect(!(try FadeCorrection.estimate(faded, mask: all)).applied)
    }

    /// The black and white points are the 0.5 % and 99.5 % points of the unmasked, finite samples
    /// (each clamped to [0, 100] and rounded to 0.01), checked against a sort of those samples: the
    /// histogram is counted in bands of rows in parallel (eight bands from 64 rows), one band below.
    @Test(arguments: [(211, 157), (40, 9)])
    func blackAndWhitePointsArePercentilesOfTheUnmaskedSamples(_ size: (Int, Int)) throws {
        let (w, h) = size
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        var l = PlanarImage(width: w, height: h, channels: 1) { _, _, _ in 20 + 40 * next() }
        var mask = PlanarImage(width: w, height: h, channels: 1)
        for i in l.data.indices {
            let r = next()
            if r < 0.05 { l.data[i] = .nan } else if r < 0.1 { l.data[i] = 150 } else if r < 0.2 { mask.data[i] = 1; l.data[i] = 99 }
        }
        let kept = l.data.indices.filter { l.data[$0].isFinite && !(mask.data[$0] > 0.5) }
            .map { Int((min(max(l.data[$0], 0), 100) * 100).rounded()) }.sorted()
        func percentile(_ p: Double) -> Float { Float(kept[Int((p / 100 * Double(kept.count - 1)).rounded(.down))]) / 100 }
        let parameters = try FadeCorrection.estimate(l, mask: mask)
        #expect(parameters.black == percentile(0.5))
        #expect(parameters.white == percentile(99.5))
    }

    @Test func flatTinyAndEmptyImages() throws {
        for image in [PlanarImage(width: 1, height: 1, channels: 1, repeating: 40),
                      PlanarImage(width: 5, height: 1, channels: 1, repeating: 70),
                      PlanarImage(width: 0, height: 0, channels: 1)] {
            let (out, parameters) = try FadeCorrection.correct(image)
            #expect(out == image && !parameters.applied)
        }
    }

    @Test func badInputsThrowClearErrors() {
        let image = FadeCorrectionTests.fullRange(width: 10, height: 10)
        func message(_ body: () throws -> Void) -> String { imageError(body)?.description ?? "no ImageError" }
        #expect(message { _ = try FadeCorrection.estimate(image, mask: PlanarImage(width: 10, height: 11, channels: 1)) }
            == "fade correction: the defect mask is 10×11 but the image is 10×10")
        #expect(message { _ = try FadeCorrection.correct(PlanarImage(width: 3, height: 3, channels: 3)) }
            == "fade correction needs a 1-channel L* image, got 3 channels")
        let broken = FadeParameters(black: 50, white: 40, targetBlack: 0, targetWhite: 100, gamma: 1, applied: true)
        #expect(message { _ = try FadeCorrection.apply(image, broken) }.hasPrefix("fade correction: unusable parameters"))
    }
}

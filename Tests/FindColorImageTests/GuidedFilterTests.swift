import Foundation
import Testing
@testable import FindColorImage

@Suite struct GuidedFilterTests {
    // Full resolution 128 × 32 with a vertical lightness edge between columns 63 and 64;
    // low resolution 16 × 4 (factor 8), where the chroma edge is between columns 7 and 8.
    static let fullWidth = 128, fullHeight = 32, lowWidth = 16, lowHeight = 4
    static let aLeft: Float = -40, aRight: Float = 40, bLeft: Float = 30, bRight: Float = -20

    static var guideHigh: PlanarImage {
        PlanarImage(width: fullWidth, height: fullHeight, channels: 1) { x, _, _ in x < 64 ? 20 : 80 }
    }

    static var abLow: PlanarImage {
        PlanarImage(width: lowWidth, height: lowHeight, channels: 2) { x, _, c in
            c == 0 ? (x < 8 ? aLeft : aRight) : (x < 8 ? bLeft : bRight)
        }
    }

    @Test func colourEdgesFollowTheLightnessEdge() {
        let guideHigh = GuidedFilterTests.guideHigh
        let guideLow = guideHigh.resized(width: 16, height: 4, method: .area)
        let ab = GuidedFilterTests.abLow
        let guided = upsampled(ab: ab, guideLow: guideLow, guideHigh: guideHigh, radius: 2, epsilon: 1)
        let bilinear = ab.resized(width: 128, height: 32, method: .bilinear)
        #expect(guided.width == 128 && guided.height == 32 && guided.channels == 2)

        func withinTenPercent(_ value: Float, of truth: Float) -> Bool { abs(value - truth) <= 0.1 * abs(truth) }
        for y in [0, 13, 31] {
            // 3 pixels from the edge on each side (columns 61 and 66).
            #expect(withinTenPercent(guided[61, y, 0], of: GuidedFilterTests.aLeft), "a at x=61: \(guided[61, y, 0])")
            #expect(withinTenPercent(guided[66, y, 0], of: GuidedFilterTests.aRight), "a at x=66: \(guided[66, y, 0])")
            #expect(withinTenPercent(guided[61, y, 1], of: GuidedFilterTests.bLeft), "b at x=61: \(guided[61, y, 1])")
            #expect(withinTenPercent(guided[66, y, 1], of: GuidedFilterTests.bRight), "b at x=66: \(guided[66, y, 1])")
            // Plain bilinear bleeds there.
            #expect(!withinTenPercent(bilinear[61, y, 0], of: GuidedFilterTests.aLeft))
            #expect(!withinTenPercent(bilinear[66, y, 0], of: GuidedFilterTests.aRight))
            // Far from the edge both are exact.
            #expect(abs(guided[20, y, 0] - GuidedFilterTests.aLeft) < 1e-3)
            #expect(abs(guided[110, y, 1] - GuidedFilterTests.bRight) < 1e-3)
        }
        // The sign flips exactly at the edge: every pixel left of it is on the left side.
        for x in 0..<64 { #expect(guided[x, 5, 0] < 0) }
        for x in 64..<128 { #expect(guided[x, 5, 0] > 0) }
    }

    @Test func constantChromaStaysConstant() {
        var rng = SeededRandom(seed: 21)
        let guideHigh = PlanarImage(width: 90, height: 70, channels: 1) { _, _, _ in Float.random(in: 0...100, using: &rng) }
        let guideLow = guideHigh.resized(width: 30, height: 23, method: .area)
        let ab = PlanarImage(width: 30, height: 23, channels: 2) { _, _, c in c == 0 ? 12 : -7 }
        for radius in [0, 1, 3] {
            let out = upsampled(ab: ab, guideLow: guideLow, guideHigh: guideHigh, radius: radius, epsilon: 4)
            #expect(maxAbsDifference(out.channel(0).data, [Float](repeating: 12, count: 90 * 70)) < 1e-3)
            #expect(maxAbsDifference(out.channel(1).data, [Float](repeating: -7, count: 90 * 70)) < 1e-3)
        }
    }

    @Test func bandsMatchTheWholeImage() {
        let guideHigh = smoothImage(width: 200, height: 150, channels: 1).clamped(to: 0, 1)
        let L = lightness(of: guideHigh)
        let lowL = L.resized(width: 50, height: 38, method: .area)
        let ab = PlanarImage(width: 50, height: 38, channels: 2) { x, y, c in Float(c == 0 ? x - 25 : y - 19) }
        let upsampler = GuidedUpsampler(source: ab, guideLow: lowL, outputWidth: 200, outputHeight: 150, radius: 2, epsilon: 10)
        let whole = upsampler.upsample(guide: L)

        // Produce the output band by band, as a streaming writer would, and compare.
        for y0 in stride(from: 0, to: 150, by: 64) {
            let rows = y0 ..< min(y0 + 64, 150)
            #expect(upsampler.upsampleRows(rows, guide: L.rows(rows)) == whole.rows(rows))
        }
        #expect(upsampler.coefficients.width == 50 && upsampler.coefficients.channels == 4)
    }

    @Test func guidedFilterReproducesALinearRelation() {
        // If ab is exactly a linear function of L, the filter reproduces it at full resolution
        // (up to the ε shrinkage of A).
        var rng = SeededRandom(seed: 22)
        let lowL = PlanarImage(width: 24, height: 24, channels: 1) { _, _, _ in Float.random(in: 10...90, using: &rng) }
        let ab = PlanarImage(width: 24, height: 24, channels: 1) { x, y, _ in 0.5 * lowL[x, y, 0] - 10 }
        let out = upsampled(ab: ab, guideLow: lowL, guideHigh: lowL, radius: 2, epsilon: 1e-3)
        #expect(maxAbsDifference(out.data, ab.data) < 1e-2)
    }

    @Test func boxFilterMeansAndBorders() {
        let constant = PlanarImage(width: 11, height: 7, channels: 2, repeating: 3.5)
        #expect(maxAbsDifference(constant.boxFiltered(radius: 3).data, constant.data) < 1e-6)
        // An impulse in the corner spreads over the clipped window, normalised by its pixel count.
        var impulse = PlanarImage(width: 5, height: 5, channels: 1)
        impulse[0, 0, 0] = 9
        let box = impulse.boxFiltered(radius: 1)
        #expect(abs(box[0, 0, 0] - 9 / 4) < 1e-6)  // 2 × 2 window at the corner
        #expect(abs(box[1, 0, 0] - 9 / 6) < 1e-6)  // 3 × 2 window on the edge
        #expect(abs(box[1, 1, 0] - 1) < 1e-6)      // full 3 × 3 window
        #expect(box[2, 2, 0] == 0)
    }
}

/// Low-resolution chroma upsampled to the size of `guideHigh` in one piece.
private func upsampled(ab lowRes: PlanarImage, guideLow: PlanarImage, guideHigh: PlanarImage,
                       radius: Int, epsilon: Float) -> PlanarImage {
    GuidedUpsampler(source: lowRes, guideLow: guideLow, outputWidth: guideHigh.width, outputHeight: guideHigh.height,
                    radius: radius, epsilon: epsilon)
        .upsample(guide: guideHigh)
}

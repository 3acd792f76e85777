import Foundation
import Testing
@testable import FindColorImage

/// Expected values were produced with PyTorch 2 (`F.interpolate(..., align_corners=False)`,
/// `F.pad(..., mode="reflect")`) and pasted here.
@Suite struct ResampleTests {
    /// 0, 1, ..., 11 as a 4 × 3 image.
    static let ramp = PlanarImage(width: 4, height: 3, channels: 1, data: (0..<12).map(Float.init))

    @Test func areaDownscaleOfConstantIsConstant() {
        let image = PlanarImage(width: 37, height: 23, channels: 3, repeating: 0.3)
        for (w, h) in [(10, 7), (5, 5), (1, 1), (36, 22), (12, 23)] {
            let small = image.resized(width: w, height: h, method: .area)
            #expect(small.width == w && small.height == h && small.channels == 3)
            #expect(maxAbsDifference(small.data, [Float](repeating: 0.3, count: w * h * 3)) < 1e-6)
        }
    }

    @Test func areaIntegerFactorMatchesPyTorch() {
        // torch.arange(36.).reshape(1, 1, 6, 6) ** 1.5, F.interpolate(size=(3, 3), mode="area")
        let image = PlanarImage(width: 6, height: 6, channels: 1, data: (0..<36).map { powf(Float($0), 1.5) })
        let expected: [Float] = [8.554299354553223, 14.412999153137207, 21.821496963500977, 61.90699768066406,
                                 74.03868865966797, 86.89651489257812, 144.8732452392578, 160.86512756347656,
                                 177.41175842285156]
        let small = image.resized(width: 3, height: 3, method: .area)
        #expect(maxAbsDifference(small.data, expected) < 1e-4)
    }

    @Test func areaFractionalFactorIsExact() {
        // 3 → 2 pixels: each output covers 1.5 source pixels.
        let row = PlanarImage(width: 3, height: 1, channels: 1, data: [1, 4, 10])
        let small = row.resized(width: 2, height: 1, method: .area)
        #expect(maxAbsDifference(small.data, [(1 + 0.5 * 4) / 1.5, (0.5 * 4 + 10) / 1.5]) < 1e-6)
        // The mean is preserved for any ratio.
        let image = randomQuantizedImage(width: 53, height: 29, channels: 1, levels: 255, seed: 9)
        let reduced = image.resized(width: 17, height: 11, method: .area)
        let meanIn = image.data.reduce(0, +) / Float(image.data.count)
        let meanOut = reduced.data.reduce(0, +) / Float(reduced.data.count)
        #expect(abs(meanIn - meanOut) < 1e-5)
    }

    @Test func bilinear2x2To4x4MatchesPyTorch() {
        let image = PlanarImage(width: 2, height: 2, channels: 1, data: [1, 2, 3, 4])
        let up = image.resized(width: 4, height: 4, method: .bilinear)
        let expected: [Float] = [1.00, 1.25, 1.75, 2.00,
                                 1.50, 1.75, 2.25, 2.50,
                                 2.50, 2.75, 3.25, 3.50,
                                 3.00, 3.25, 3.75, 4.00]
        #expect(maxAbsDifference(up.data, expected) < 1e-6)
    }

    @Test func bilinearNonIntegerRatiosMatchPyTorch() {
        let up = ResampleTests.ramp.resized(width: 7, height: 5, method: .bilinear)
        let expectedUp: [Float] = [
            0.0, 0.3571428954601288, 0.9285714626312256, 1.5000001192092896, 2.0714287757873535, 2.642857313156128, 3.0,
            1.6000001430511475, 1.957142949104309, 2.528571605682373, 3.1000001430511475, 3.671428680419922, 4.242857456207275, 4.600000381469727,
            4.0, 4.357142925262451, 4.928571701049805, 5.5, 6.0714287757873535, 6.642857074737549, 7.0,
            6.40000057220459, 6.757143497467041, 7.3285722732543945, 7.900001049041748, 8.471428871154785, 9.042858123779297, 9.40000057220459,
            8.0, 8.357142448425293, 8.928570747375488, 9.499999046325684, 10.071428298950195, 10.642857551574707, 11.0,
        ]
        #expect(maxAbsDifference(up.data, expectedUp) < 1e-5)

        let down = ResampleTests.ramp.resized(width: 3, height: 2, method: .bilinear)
        let expectedDown: [Float] = [1.1666666269302368, 2.5, 3.8333334922790527, 7.166666507720947, 8.5, 9.833333015441895]
        #expect(maxAbsDifference(down.data, expectedDown) < 1e-5)
    }

    @Test func bicubicMatchesPyTorch() {
        let small = PlanarImage(width: 2, height: 2, channels: 1, data: [1, 2, 3, 4])
        let expected4x4: [Float] = [0.68359375, 1.015625, 1.5625, 1.89453125, 1.34765625, 1.6796875, 2.2265625, 2.55859375,
                                    2.44140625, 2.7734375, 3.3203125, 3.65234375, 3.10546875, 3.4375, 3.984375, 4.31640625]
        #expect(maxAbsDifference(small.resized(width: 4, height: 4, method: .bicubic).data, expected4x4) < 1e-5)

        let expectedUp: [Float] = [
            -0.48321646451950073, -0.10475475341081619, 0.5125924348831177, 1.1160005331039429, 1.7194089889526367, 2.336754322052002, 2.715216875076294,
            1.1647859811782837, 1.543246865272522, 2.1605937480926514, 2.7640018463134766, 3.36741042137146, 3.984755754470825, 4.363217830657959,
            3.900785446166992, 4.279244899749756, 4.896591663360596, 5.5, 6.1034088134765625, 6.7207536697387695, 7.099216461181641,
            6.636786937713623, 7.015244483947754, 7.632591724395752, 8.236000061035156, 8.839410781860352, 9.456753730773926, 9.835216522216797,
            8.284789085388184, 8.663246154785156, 9.28059196472168, 9.884000778198242, 10.487412452697754, 11.104754447937012, 11.483219146728516,
        ]
        #expect(maxAbsDifference(ResampleTests.ramp.resized(width: 7, height: 5, method: .bicubic).data, expectedUp) < 1e-4)

        let expectedDown: [Float] = [0.8917825818061829, 2.265625, 3.639468193054199, 7.360533714294434, 8.734375, 10.108220100402832]
        #expect(maxAbsDifference(ResampleTests.ramp.resized(width: 3, height: 2, method: .bicubic).data, expectedDown) < 1e-4)
    }

    @Test(arguments: ResampleMethod.allCases)
    func channelsAreIndependentAndSizeIdentityIsACopy(_ method: ResampleMethod) {
        let image = randomQuantizedImage(width: 30, height: 20, channels: 3, levels: 255, seed: 10)
        #expect(image.resized(width: 30, height: 20, method: method) == image)
        let resized = image.resized(width: 13, height: 41, method: method)
        for c in 0..<3 {
            #expect(resized.channel(c) == image.channel(c).resized(width: 13, height: 41, method: method))
        }
    }

    @Test func largeResizeTakesTheParallelPathConsistently() {
        let image = smoothImage(width: 640, height: 480, channels: 2)
        let big = image.resized(width: 1000, height: 700, method: .bilinear)
        let rowBand = image.channel(1).resized(width: 1000, height: 700, method: .bilinear)
        #expect(big.channel(1) == rowBand)
        let small = image.resized(width: 200, height: 150, method: .area)
        #expect(small.width == 200 && small.height == 150)
    }

    // MARK: - Reflection and cropping

    @Test func reflectIndexMatchesPyTorch() {
        // F.pad(torch.arange(15.).reshape(1, 1, 3, 5), (2, 3, 1, 2), mode="reflect")
        let image = PlanarImage(width: 5, height: 3, channels: 1, data: (0..<15).map(Float.init))
        let padded = PlanarImage(width: 10, height: 6, channels: 1) { x, y, _ in
            image[reflectIndex(x - 2, count: 5), reflectIndex(y - 1, count: 3), 0]
        }
        let expected: [[Float]] = [[7, 6, 5, 6, 7, 8, 9, 8, 7, 6], [2, 1, 0, 1, 2, 3, 4, 3, 2, 1],
                                   [7, 6, 5, 6, 7, 8, 9, 8, 7, 6], [12, 11, 10, 11, 12, 13, 14, 13, 12, 11],
                                   [7, 6, 5, 6, 7, 8, 9, 8, 7, 6], [2, 1, 0, 1, 2, 3, 4, 3, 2, 1]]
        #expect(padded.data == expected.flatMap { $0 })
    }

    @Test func reflectIndexWiderThanTheImageKeepsReflecting() {
        #expect((-5..<8).map { reflectIndex($0, count: 3) } == [1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1])
        #expect((-2..<3).allSatisfy { reflectIndex($0, count: 1) == 0 })
    }

    @Test func cropAndRows() {
        let image = PlanarImage(width: 4, height: 3, channels: 2) { x, y, c in Float(c * 100 + y * 10 + x) }
        let crop = image.cropped(x: 1, y: 1, width: 2, height: 2)
        #expect(crop.data == [11, 12, 21, 22, 111, 112, 121, 122])
        let band = image.rows(1..<3)
        #expect(band == image.cropped(x: 0, y: 1, width: 4, height: 2))
    }

    /// The sparse mask upsampling gives exactly the bilinear resize thresholded: defects in a few
    /// rows (the rows it skips), at the borders, a whole row, an empty mask, and sizes whose scale
    /// is not an integer.
    @Test func upsampledMaskEqualsTheBilinearResizeThresholded() {
        var m = PlanarImage(width: 53, height: 40, channels: 1)
        for (x, y) in [(0, 0), (52, 39), (10, 7), (11, 7), (30, 20), (30, 21), (5, 39)] { m.data[y * 53 + x] = 1 }
        for x in 0..<53 { m.data[25 * 53 + x] = 1 }
        let empty = PlanarImage(width: 53, height: 40, channels: 1)
        for mask in [m, empty] {
            for (w, h) in [(400, 301), (53 * 3, 40 * 3), (106, 81), (53, 40)] {
                var want = mask.resized(width: w, height: h, method: .bilinear)
                for i in want.data.indices { want.data[i] = want.data[i] >= 0.5 ? 1 : 0 }
                let got = mask.upsampledMask(width: w, height: h, threshold: 0.5)
                #expect(got.width == w && got.height == h)
                #expect(got.data == want.data, "\(w)×\(h)")
            }
        }
        #expect(m.upsampledMask(width: 400, height: 301).data.contains(1))
    }
}

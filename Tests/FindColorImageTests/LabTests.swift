import Foundation
import Testing
@testable import FindColorImage

/// Reference values computed in Python with Double from the same closed-form definitions
/// (IEC 61966-2-1 transfer, the sRGB matrix, D65 white 0.95047/1/1.08883, ε = 216/24389, κ = 24389/27).
@Suite struct LabTests {
    struct Reference: CustomTestStringConvertible, Sendable {
        var rgb: (Float, Float, Float)
        var lab: (Float, Float, Float)
        var testDescription: String { "RGB\(rgb)" }
    }

    static let references: [Reference] = [
        Reference(rgb: (1, 1, 1), lab: (100, 0, 0)),
        Reference(rgb: (0, 0, 0), lab: (0, 0, 0)),
        Reference(rgb: (1, 0, 0), lab: (53.240794, 80.092460, 67.203197)),
        Reference(rgb: (0, 1, 0), lab: (87.734722, -86.182716, 83.179321)),
        Reference(rgb: (0, 0, 1), lab: (32.297011, 79.187520, -107.860162)),
        Reference(rgb: (0.5, 0.5, 0.5), lab: (53.388967, 0, 0)),
        Reference(rgb: (0.2, 0.4, 0.6), lab: (42.008146, -0.151708, -32.846036)),
        Reference(rgb: (0.9, 0.6, 0.3), lab: (69.509164, 21.669575, 50.802454)),
    ]

    @Test(arguments: LabTests.references)
    func closedFormValues(_ ref: Reference) {
        let lab = CIELab.lab(fromSRGB: RGBColor(r: ref.rgb.0, g: ref.rgb.1, b: ref.rgb.2))
        #expect(abs(lab.L - ref.lab.0) <= 1e-3)
        #expect(abs(lab.a - ref.lab.1) <= 1e-3)
        #expect(abs(lab.b - ref.lab.2) <= 1e-3)
    }

    @Test func imageConversionMatchesScalar() {
        let refs = LabTests.references
        let image = PlanarImage(width: refs.count, height: 1, channels: 3) { x, _, c in
            [refs[x].rgb.0, refs[x].rgb.1, refs[x].rgb.2][c]
        }
        let lab = srgbToLab(image)
        for (x, ref) in refs.enumerated() {
            #expect(abs(lab[x, 0, 0] - ref.lab.0) <= 1e-3)
            #expect(abs(lab[x, 0, 1] - ref.lab.1) <= 1e-3)
            #expect(abs(lab[x, 0, 2] - ref.lab.2) <= 1e-3)
        }
    }

    @Test func inverseMatrixIsExact() {
        let m = CIELab.rgbToXYZMatrix, inv = CIELab.xyzToRGBMatrix
        for i in 0..<3 {
            for j in 0..<3 {
                let product = (0..<3).reduce(0.0) { $0 + m[i][$1] * inv[$1][j] }
                #expect(abs(product - (i == j ? 1 : 0)) < 1e-14)
            }
        }
    }

    @Test func srgbTransferIsPiecewiseAndInvertible() {
        #expect(SRGBTransfer.decode(Float(0.04045)) == Float(0.04045) / 12.92)
        #expect(abs(SRGBTransfer.decode(Float(0.5)) - 0.21404114) < 1e-6)
        for i in 0...1000 {
            let v = Float(i) / 1000
            #expect(abs(SRGBTransfer.encode(SRGBTransfer.decode(v)) - v) < 2e-6)
        }
    }

    @Test func lightnessOfGrayColourAndSepia() {
        let gray = PlanarImage(width: 3, height: 1, channels: 1, data: [0, 0.5, 1])
        let L = lightness(of: gray)
        #expect(L.channels == 1)
        #expect(abs(L.data[0]) <= 1e-4)
        #expect(abs(L.data[1] - 53.388967) <= 1e-3)
        #expect(abs(L.data[2] - 100) <= 1e-3)

        // Sepia-toned and saturated colours: L* of the colour, same as the full conversion.
        let colours = PlanarImage(width: 3, height: 1, channels: 3,
                                  data: [0.44, 1, 0.2, /* g */ 0.26, 0, 0.4, /* b */ 0.08, 0, 0.6])
        let fromLightness = lightness(of: colours)
        let fromLab = srgbToLab(colours).channel(0)
        #expect(maxAbsDifference(fromLightness.data, fromLab.data) <= 1e-5)
        #expect(abs(fromLightness.data[1] - 53.240794) <= 1e-3)
    }

    @Test func labToSRGBToLabRoundTripOverInGamutGrid() {
        // Lab grid, keeping the colours sRGB can show (with a small margin).
        var samples: [LabColor] = []
        for L in stride(from: Float(2), through: 98, by: 4) {
            for a in stride(from: Float(-100), through: 100, by: 8) {
                for b in stride(from: Float(-100), through: 100, by: 8) {
                    let rgb = CIELab.srgb(fromLab: LabColor(L: L, a: a, b: b))
                    let margin: Float = 1e-3
                    if [rgb.r, rgb.g, rgb.b].allSatisfy({ $0 >= margin && $0 <= 1 - margin }) {
                        samples.append(LabColor(L: L, a: a, b: b))
                    }
                }
            }
        }
        #expect(samples.count > 1000)
        let lab = PlanarImage(width: samples.count, height: 1, channels: 3) { x, _, c in
            [samples[x].L, samples[x].a, samples[x].b][c]
        }
        // Whole-image path, without and with gamut mapping (which must not touch in-gamut colours).
        for mapping in [false, true] {
            let back = srgbToLab(labToSRGB(lab, gamutMapping: mapping))
            #expect(maxAbsDifference(back.data, lab.data) <= 1e-4, "gamutMapping: \(mapping)")
        }
        // Scalar path.
        var worst: Float = 0
        for c in samples {
            let back = CIELab.lab(fromSRGB: CIELab.srgb(fromLab: c))
            worst = max(worst, abs(back.L - c.L), abs(back.a - c.a), abs(back.b - c.b))
        }
        #expect(worst <= 1e-4)
    }

    @Test func gamutMappingKeepsLightnessAndHue() {
        let outOfGamut = [LabColor(L: 50, a: 100, b: 100), LabColor(L: 80, a: -90, b: 40),
                          LabColor(L: 30, a: 20, b: -120), LabColor(L: 95, a: 60, b: 0)]
        for c in outOfGamut {
            let direct = CIELab.srgb(fromLab: c)
            #expect(![direct.r, direct.g, direct.b].allSatisfy { $0 >= 0 && $0 <= 1 }, "\(c) should be out of gamut")
            let mapped = GamutMapping.srgb(fromLab: c)
            #expect([mapped.r, mapped.g, mapped.b].allSatisfy { $0 >= 0 && $0 <= 1 })
            let back = CIELab.lab(fromSRGB: mapped)
            #expect(abs(back.L - c.L) < 0.3, "L* changed: \(c) → \(back)")
            let hueIn = atan2(c.b, c.a), hueOut = atan2(back.b, back.a)
            #expect(abs(hueOut - hueIn) < 0.02, "hue changed: \(c) → \(back)")
            let chromaIn = (c.a * c.a + c.b * c.b).squareRoot(), chromaOut = (back.a * back.a + back.b * back.b).squareRoot()
            #expect(chromaOut < chromaIn && chromaOut > 0)
            // The reduction stops at the gamut boundary: 2 % more chroma would be out of gamut.
            let beyond = CIELab.srgb(fromLab: LabColor(L: c.L, a: back.a * 1.02, b: back.b * 1.02))
            #expect(![beyond.r, beyond.g, beyond.b].allSatisfy { $0 >= 0 && $0 <= 1 }, "\(c) → \(back) is not maximal")
        }
        // Through the image API, with separate lightness and chroma planes.
        let L = PlanarImage(width: 1, height: 1, channels: 1, data: [50])
        let ab = PlanarImage(width: 1, height: 1, channels: 2, data: [100, 100])
        let rgb = labToSRGB(lightness: L, ab: ab)
        let expected = GamutMapping.srgb(fromLab: LabColor(L: 50, a: 100, b: 100))
        #expect(rgb.data == [expected.r, expected.g, expected.b])
    }

    /// The 8-lane Lab → sRGB path gives exactly the scalar `GamutMapping.srgb(fromLab:)` of every
    /// pixel: in gamut, out of it (the bisection), mixed within one group of 8, L* outside 0…100,
    /// and the scalar tail of a row that is not a multiple of 8.
    @Test func vectorPathEqualsTheScalarConversion() {
        var rng = SeededRandom(seed: 11)
        let n = 8 * 300 + 5
        var L = [Float](), a = [Float](), b = [Float]()
        for i in 0..<n {
            let wild = i % 3 == 0  // every third colour far out of gamut
            L.append(Float.random(in: -5...105, using: &rng))
            a.append(Float.random(in: wild ? -128...127 : -20...20, using: &rng))
            b.append(Float.random(in: wild ? -128...127 : -20...20, using: &rng))
        }
        var r = [Float](repeating: 0, count: n), g = r, bl = r
        r.withUnsafeMutableBufferPointer { rp in
            g.withUnsafeMutableBufferPointer { gp in
                bl.withUnsafeMutableBufferPointer { bp in
                    labToSRGB(count: n, L: L, a: a, b: b, red: rp.baseAddress!, green: gp.baseAddress!, blue: bp.baseAddress!)
                }
            }
        }
        var outOfGamut = 0
        for i in 0..<n {
            let expected = GamutMapping.srgb(fromLab: LabColor(L: L[i], a: a[i], b: b[i]))
            #expect(r[i] == expected.r && g[i] == expected.g && bl[i] == expected.b, "pixel \(i): L \(L[i]) a \(a[i]) b \(b[i])")
            if !GamutMapping.isInGamut(CIELab.linearFromLab(min(max(L[i], 0), 100), a[i], b[i])) { outOfGamut += 1 }
        }
        #expect(outOfGamut > n / 4 && outOfGamut < n)
    }

    @Test func largeImageConversionUsesAllRowsConsistently() {
        // Big enough to take the parallel path; every pixel must match the scalar conversion.
        let image = smoothImage(width: 301, height: 257, channels: 3)
        let lab = srgbToLab(image)
        var rng = SeededRandom(seed: 7)
        for _ in 0..<200 {
            let x = Int.random(in: 0..<301, using: &rng), y = Int.random(in: 0..<257, using: &rng)
            let ref = CIELab.lab(fromSRGB: RGBColor(r: image[x, y, 0], g: image[x, y, 1], b: image[x, y, 2]))
            #expect(lab[x, y, 0] == ref.L && lab[x, y, 1] == ref.a && lab[x, y, 2] == ref.b)
        }
        let back = labToSRGB(lab)
        #expect(maxAbsDifference(back.data, image.data) < 1e-5)
    }
}

/// The table-based sRGB encoding of whole images against the Double formula: under 1e-6 over the
/// whole range (dense sweep near 0 and the segment's joint), so 8- and 16-bit outputs do not change.
@Suite struct FastSRGBEncodingTests {
    @Test func matchesTheFormula() {
        let encode = SRGBTransfer.FastEncoder()
        var worst: Double = 0
        var values: [Float] = (0...200_000).map { Float($0) / 200_000 }                       // [0, 1]
        values += (0...20_000).map { 0.002 + Float($0) / 20_000 * 0.002 }                     // the joint at 0.0031308
        values += [-0.5, -1e-3, 0, 1, 1.0001, 1.5, 0.0031308, 0.00313081, Float.leastNormalMagnitude]
        for l in values {
            let exact = SRGBTransfer.encode(Double(l))
            worst = max(worst, abs(Double(encode(l)) - exact))
        }
        #expect(worst < 1e-6, "largest error \(worst)")
    }
}

/// A gray image's L* by the table of `lightness(of:)` against the per-value formula: within 1e-4 L*
/// over a dense sweep of [0, 1] and at every 8-bit value; values outside [0, 1] use the formula.
@Suite struct GrayLightnessTableTests {
    @Test func matchesTheFormula() {
        let values: [Float] = (0...100_000).map { Float($0) / 100_000 } + (0...255).map { Float($0) / 255 } + [-0.2, 1.3]
        let image = PlanarImage(width: values.count, height: 1, channels: 1, data: values)
        let L = lightness(of: image)
        var worst: Float = 0
        for (i, v) in values.enumerated() { worst = max(worst, abs(L.data[i] - CIELab.lightness(ofGray: v))) }
        #expect(worst < 1e-4, "largest error \(worst) L*")
    }
}

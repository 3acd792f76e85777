import Foundation
import Testing
import FindColorImage
@testable import FindColor

@Suite(.serialized) struct ColorizerBehaviour {
    let colorizer = Shared.colorizer

    @Test func outputKeepsSizeAndLightness() throws {
        let gray = syntheticScene(width: 301, height: 217)  // odd sizes on purpose
        var request = ColorizeRequest()
        request.settings.preset = .fast
        let out = try colorizer.colorize(gray, request).rgb
        #expect(out.width == 301 && out.height == 217 && out.channels == 3)
        // L* of the 8-bit output equals the input's L* up to 8-bit rounding.
        var q = out
        for i in 0..<q.data.count { q.data[i] = Metrics.quantize(q.data[i]) / 255 }
        let Lin = lightness(of: gray), Lout = lightness(of: q)
        let maxDiff = zip(Lin.data, Lout.data).map { abs($0 - $1) }.max()!
        #expect(maxDiff < 1.0, "max |ΔL*| = \(maxDiff)")
        // And it is not gray: some chroma somewhere.
        let lab = srgbToLab(out)
        let chroma = (0..<lab.planeSize).map { hypot(lab.data[lab.planeSize + $0], lab.data[2 * lab.planeSize + $0]) }
        #expect(chroma.reduce(0, +) / Float(chroma.count) > 3)
    }

    /// The preview from the preview-size L* (what the web app keeps per photo) is the preview of
    /// the photo, pixel for pixel, and a wrong-size L* is refused.
    @Test func previewFromLightnessIsThePreview() throws {
        let gray = syntheticScene(width: 530, height: 301)
        var request = ColorizeRequest()
        request.hints = [Hint(x: 40, y: 260, size: 6, a: 40, b: 20)]
        let direct = try colorizer.preview(gray, request).rgb
        let Ls = Colorizer.previewLightness(of: gray)
        #expect((Ls.width, Ls.height) == (451, 256))
        let fromL = try colorizer.preview(lightness: Ls, photoWidth: gray.width, photoHeight: gray.height, request).rgb
        #expect(fromL.data == direct.data)
        #expect(throws: FindColorError.self) {
            try colorizer.preview(lightness: Ls, photoWidth: 600, photoHeight: 301, request)
        }
    }

    /// With a `PassCache` (as the web app has), the full render after a preview takes the
    /// preview's pass instead of running it again, and every pixel of both stays what it is without
    /// the cache; another hint is another pass.
    @Test func previewPassIsReusedByTheFullRender() throws {
        // One scene (no straight seam across it: `ScanParts` would colour each part alone).
        let gray = PlanarImage(width: 530, height: 301, channels: 1) { x, y, _ in
            let u = Float(x) / 530, v = Float(y) / 301, dx = u - 0.3, dy = v - 0.4
            return dx * dx + dy * dy < 0.03 ? 0.5 : 0.8 - 0.4 * v + 0.05 * sin(u * 20)
        }
        #expect(ScanParts.parts(of: lightness(of: gray)).count == 1)
        var request = ColorizeRequest()  // balanced: image-wise pass + mirrored pass, no detail pass at this size
        request.hints = [Hint(x: 40, y: 260, size: 6, a: 40, b: 20)]
        let cached = try Colorizer(modelURL: Repo.model)
        let cache = PassCache()
        cached.passCache = cache
        #expect(try cached.preview(gray, request).rgb.data == (try colorizer.preview(gray, request).rgb.data))
        #expect((cache.hits, cache.misses) == (0, 1))
        #expect(try cached.colorize(gray, request).rgb.data == (try colorizer.colorize(gray, request).rgb.data))
        #expect((cache.hits, cache.misses) == (1, 2), "the image-wise pass reused, the mirrored one run")
        request.hints[0].a = -30
        _ = try cached.preview(gray, request)
        #expect((cache.hits, cache.misses) == (1, 3))
        #expect(cache.partsHits == 1, "the preview's L* is split into parts once")
    }

    /// A red hint turns its region red while far regions barely change. (The expected colour is
    /// the hint's a*b* as reachable at the pixel's lightness: L* is kept, so an sRGB red at a
    /// brighter L* is gamut-mapped to a paler red.)
    @Test func redHintIsLocalAndObeyed() throws {
        let gray = syntheticScene(width: 256, height: 256)
        var request = ColorizeRequest()
        request.settings.preset = .fast
        let auto = try colorizer.colorize(gray, request).rgb
        let red = Hint.ab(ofHex: "#c02020")!
        let (hx, hy) = (40, 236)  // on the dark ground, bottom left
        request.hints = [Hint(x: hx, y: hy, size: 6, a: red.a, b: red.b)]
        let hinted = try colorizer.colorize(gray, request).rgb
        let Lh = lightness(of: gray)[hx + 3, hy + 3, 0]
        let reachable = CIELab.lab(fromSRGB: GamutMapping.srgb(fromLab: LabColor(L: Lh, a: red.a, b: red.b)))
        let at = meanAB(hinted, x: hx, y: hy, width: 6, height: 6)
        let dE = hypot(at.0 - reachable.a, at.1 - reachable.b)
        #expect(dE < 10, "ΔE_ab at the hint \(dE): got \(at), wanted \(reachable)")
        #expect(at.0 > 25, "the hinted patch is not red: \(at)")
        // Far away (the sky, top right), the colour is nearly unchanged.
        let farAuto = meanAB(auto, x: 180, y: 10, width: 60, height: 40)
        let farHint = meanAB(hinted, x: 180, y: 10, width: 60, height: 40)
        #expect(hypot(farAuto.0 - farHint.0, farAuto.1 - farHint.1) < 3)
    }

    /// A reference limited to a region leaves pixels outside it (beyond the feathering margin)
    /// exactly as the automatic result, and brings the reference's colours inside.
    @Test func regionLimitedReference() throws {
        let colour = syntheticColourScene(width: 256, height: 192)
        let gray = lightness(of: colour)
        var request = ColorizeRequest()
        request.settings.preset = .fast
        let auto = try colorizer.colorize(lightness: gray, request).rgb
        var region = PlanarImage(width: 256, height: 192, channels: 1)
        for y in 0..<192 { for x in 0..<128 { region[x, y, 0] = 1 } }
        request.reference = colour
        request.region = region
        let withRef = try colorizer.colorize(lightness: gray, request).rgb
        let margin = 2 * max(2, 192 / 64) + 2
        var maxOutside: Float = 0
        for c in 0..<3 { for y in 0..<192 { for x in (128 + margin)..<256 {
            maxOutside = max(maxOutside, abs(withRef[x, y, c] - auto[x, y, c]))
        } } }
        #expect(maxOutside < 1e-5, "outside the region the result changed by \(maxOutside)")
        // Inside, closer to the true colours than the automatic result.
        let truth = srgbToLab(colour), a1 = srgbToLab(auto), a2 = srgbToLab(withRef)
        var eAuto: Float = 0, eRef: Float = 0
        let n = truth.planeSize
        for y in 0..<192 { for x in 0..<(128 - margin) {
            let i = y * 256 + x
            eAuto += hypot(a1.data[n + i] - truth.data[n + i], a1.data[2 * n + i] - truth.data[2 * n + i])
            eRef += hypot(a2.data[n + i] - truth.data[n + i], a2.data[2 * n + i] - truth.data[2 * n + i])
        } }
        #expect(eRef < eAuto, "reference error \(eRef) vs automatic \(eAuto)")
    }

    @Test func badRequestsAreRefused() {
        let gray = syntheticScene(width: 64, height: 48)
        var r = ColorizeRequest()
        r.reference = syntheticColourScene(width: 64, height: 64)
        r.region = PlanarImage(width: 10, height: 10, channels: 1, repeating: 1)
        #expect(throws: FindColorError.self) { try colorizer.colorize(gray, r) }
        r.region = PlanarImage(width: 64, height: 48, channels: 1)  // empty mask
        #expect(throws: FindColorError.self) { try colorizer.colorize(gray, r) }
        var h = ColorizeRequest()
        h.hints = [Hint(x: 60, y: 40, size: 6, a: 0, b: 0)]
        #expect(throws: FindColorError.self) { try colorizer.colorize(gray, h) }
        var g = ColorizeRequest()
        g.reference = syntheticScene(width: 64, height: 64)  // a gray "reference"
        #expect(throws: FindColorError.self) { try colorizer.colorize(gray, g) }
    }

    /// Vividness moves the colours towards the annealed mean of the model's distribution: more
    /// chroma, same size and L*; 0 is exactly the default; values outside 0…1 are refused.
    @Test func vividnessRaisesChroma() throws {
        let gray = syntheticScene(width: 240, height: 180)
        var r = ColorizeRequest()
        r.settings.preset = .fast
        let base = try colorizer.colorize(gray, r).rgb
        r.settings.vividness = 0
        #expect(try colorizer.colorize(gray, r).rgb.data == base.data)
        func meanChroma(_ img: PlanarImage) -> Float { Evaluator.meanChroma(srgbToLab(img)) }
        r.settings.vividness = 1
        let vivid = try colorizer.colorize(gray, r).rgb
        #expect(vivid.width == 240 && vivid.height == 180)
        #expect(meanChroma(vivid) > meanChroma(base) + 2, "\(meanChroma(vivid)) vs \(meanChroma(base))")
        for bad: Float in [-0.1, 1.5, .nan] {
            r.settings.vividness = bad
            #expect(throws: FindColorError.self) { try colorizer.colorize(gray, r) }
        }
    }

    @Test func suggestionsAreADistribution() throws {
        let gray = syntheticScene(width: 200, height: 160)
        let s = try colorizer.suggest(gray, x: 30, y: 20, hints: [], topK: 6)
        #expect(s.count == 6)
        #expect(zip(s, s.dropFirst()).allSatisfy { $0.probability >= $1.probability })
        let total = s.map(\.probability).reduce(0, +)
        #expect(total > 0 && total <= 1.0001)
        #expect(s.allSatisfy { $0.hex.count == 7 && $0.hex.hasPrefix("#") })
    }

    @Test func presetsRunAndKeepSize() throws {
        let gray = syntheticScene(width: 420, height: 300)
        for p in EnsemblePreset.allCases {
            var r = ColorizeRequest()
            r.settings.preset = p
            let out = try colorizer.colorize(gray, r).rgb
            #expect(out.width == 420 && out.height == 300)
        }
    }
}

/// `colorize8` (what the CLI uses for JPEG and 8-bit PNG) gives exactly the 8-bit samples of
/// `colorize`'s float result, on the guided path (photo larger than the working size) and the
/// direct one (photo smaller than it), with detail passes too.
@Suite struct EightBitColorizeTests {
    let colorizer = Shared.colorizer

    @Test(arguments: [(700, 460, EnsemblePreset.fast), (180, 120, .fast), (1100, 1030, .balanced)])
    func sameSamplesAsTheFloatResult(width: Int, height: Int, preset: EnsemblePreset) throws {
        let L = lightness(of: syntheticScene(width: width, height: height))
        var request = ColorizeRequest()
        request.settings.preset = preset
        request.hints = [Hint(x: width / 3, y: height / 3, size: 4, a: 40, b: 20)]
        let float = try colorizer.colorize(lightness: L, request).rgb
        let bytes = try colorizer.colorize8(lightness: L, request).rgb
        #expect((bytes.width, bytes.height, bytes.channels) == (width, height, 3))
        #expect(bytes == InterleavedImage8(float))
    }
}


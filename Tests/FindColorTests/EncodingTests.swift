import Foundation
import Testing
import FindColorImage
import FindColorNN
@testable import FindColor

/// Models whose encoder does not see the hints (`encoder_hints: false`): the encoder runs on L
/// alone, and one encoding of a photo serves every change of its hints (`PassCache`).
@Suite(.serialized) struct DecoderOnlyHints {
    static let stem = "encoder.features.0.0.weight"

    /// The bundled model with its stem's hint filters zeroed, saying (or not) that its encoder
    /// does not see the hints.
    static func zeroedStemModel(encoderHints: Bool?) throws -> URL {
        try bundledModelVariant(transform: { name, values in
            guard name == stem else { return }
            // [32, 4, 3, 3]: input channels 1…3 (a, b, mask) of every filter to zero.
            for o in 0..<32 { for i in 9..<36 { values[o * 36 + i] = 0 } }
        }, config: { json in
            if let encoderHints { json["encoder_hints"] = encoderHints }
        })
    }

    static func inputs(_ w: Int, _ h: Int) -> (L: PlanarImage, hints: PlanarImage) {
        let scene = syntheticScene(width: w, height: h)
        let L = PlanarImage(width: w, height: h, channels: 1) { x, y, _ in scene[x, y, 0] * 100 }
        var hints = PlanarImage(width: w, height: h, channels: 3)
        // Two hint patches: orange on the disc, blue in the sky.
        for (x0, y0, a, b) in [(w * 3 / 10, h * 35 / 100, Float(30), Float(50)), (w * 8 / 10, h / 10, -5, -40)] {
            for y in y0..<y0 + 4 { for x in x0..<x0 + 4 {
                hints[x, y, 0] = a / 110; hints[x, y, 1] = b / 110; hints[x, y, 2] = 1
            } }
        }
        return (L, hints)
    }

    /// The L-only stem computes what the 4-channel stem computes on the same weights (whose hint
    /// filters are zero): the same pass with and without `encoder_hints: false`, on both backends.
    @Test(arguments: [Backend.reference, Backend.oneDNN])
    func theLightnessStemComputesTheFullStem(backend: Backend) throws {
        let full = try Self.zeroedStemModel(encoderHints: nil), lightOnly = try Self.zeroedStemModel(encoderHints: false)
        defer { try? FileManager.default.removeItem(at: full); try? FileManager.default.removeItem(at: lightOnly) }
        let a = try Colorizer(modelURL: full, backend: backend), b = try Colorizer(modelURL: lightOnly, backend: backend)
        #expect(a.network.encoderSeesHints && !b.network.encoderSeesHints)
        let (L, hints) = Self.inputs(96, 64)
        let x = a.pass(L: L, hints: hints).ab, y = b.pass(L: L, hints: hints).ab
        let d = zip(x.data, y.data).map { abs($0 - $1) }.max()!
        #expect(d <= 1e-3, "max |Δab| = \(d) on \(backend)")
        #expect(x.data.map(abs).max()! > 1, "the pass gave colour")
    }

    /// A hint change reruns only the decoder: the encoding is taken from the cache, and the result
    /// is bit for bit that of the whole network.
    @Test func aHintChangeReusesTheEncoding() throws {
        let url = try Self.zeroedStemModel(encoderHints: false)
        defer { try? FileManager.default.removeItem(at: url) }
        let cached = try Colorizer(modelURL: url), plain = try Colorizer(modelURL: url)
        let cache = PassCache()
        cached.passCache = cache
        let (L, hints) = Self.inputs(128, 96)
        var moved = hints
        moved[100, 10, 0] = 0.3; moved[100, 10, 2] = 1  // one more hint
        for h in [hints, moved, PlanarImage(width: 128, height: 96, channels: 3)] {
            #expect(cached.pass(L: L, hints: h).ab.data == plain.pass(L: L, hints: h).ab.data)
        }
        #expect(cache.encodingHits == 2)
        // Another photo is encoded anew.
        let other = PlanarImage(width: 128, height: 96, channels: 1) { x, y, _ in 100 - L[x, y, 0] }
        _ = cached.pass(L: other, hints: hints)
        #expect(cache.encodingHits == 2)
        _ = cached.pass(L: other, hints: moved)
        #expect(cache.encodingHits == 3)
    }

    /// Reference colourization encodes the target once: the matching features come from the
    /// encoding that the image-wise pass then takes from the cache; the result is the same as
    /// without a cache.
    @Test func referenceMatchingSharesTheTargetsEncoding() throws {
        let url = try Self.zeroedStemModel(encoderHints: false)
        defer { try? FileManager.default.removeItem(at: url) }
        let cached = try Colorizer(modelURL: url), plain = try Colorizer(modelURL: url)
        let cache = PassCache()
        cached.passCache = cache
        let (L, _) = Self.inputs(160, 120)
        // A colour reference: the same kind of scene, tinted (sRGB in [0, 1]).
        let gray = syntheticScene(width: 120, height: 90)
        let tint: [Float] = [1.0, 0.7, 0.4]
        var request = ColorizeRequest(settings: ColorizeSettings())
        request.reference = PlanarImage(width: 120, height: 90, channels: 3) { x, y, c in gray[x, y, 0] * tint[c] }
        let a = try cached.colorize(lightness: L, request), b = try plain.colorize(lightness: L, request)
        #expect(a.rgb.data == b.rgb.data)
        #expect(cache.encodingHits >= 1, "the pass took the target's encoding from the matching")
    }

    /// Models whose encoder sees the hints keep no encodings (theirs change with every hint).
    @Test func modelsWhoseEncoderSeesHintsKeepNone() throws {
        let colorizer = try Colorizer(modelURL: Repo.model)
        let cache = PassCache()
        colorizer.passCache = cache
        let (L, hints) = Self.inputs(64, 64)
        _ = colorizer.pass(L: L, hints: hints)
        _ = colorizer.pass(L: L, hints: PlanarImage(width: 64, height: 64, channels: 3))
        #expect(cache.encodingHits == 0 && colorizer.network.encode(L: colorizer.networkInput(L)) == nil)
    }

    /// A file that says its encoder does not see the hints but has non-zero hint filters would
    /// compute something else than its training did: refused.
    @Test func nonZeroHintFiltersAreRefused() throws {
        let url = try bundledModelVariant(config: { $0["encoder_hints"] = false })
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            try Colorizer(modelURL: url, backend: .reference)
        } throws: { "\($0)".contains("non-zero hint filters") }
    }
}

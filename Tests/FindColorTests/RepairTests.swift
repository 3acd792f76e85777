import Foundation
import Testing
import FindColorImage
import FindColorNN
@testable import FindColor
import FindColorTestSupport

extension Repo {
    static let detector = root.appendingPathComponent("Models/findcolor-repair-v1.safetensors")
    static let repairGolden = root.appendingPathComponent("Tests/FindColorTests/Fixtures/repair_golden.safetensors")
    /// A detector with random weights and the /16 context level (channels 4, 6, 8, 10, context 12),
    /// and its goldens (`repair_golden.py --random-model`).
    static let contextDetector = root.appendingPathComponent("Tests/FindColorTests/Fixtures/repair_context_tiny.safetensors")
    static let contextGolden = root.appendingPathComponent("Tests/FindColorTests/Fixtures/repair_context_golden.safetensors")
    /// The same shape with the frozen ImageNet features (their real weights, folded; the rest random),
    /// and its goldens (`repair_golden.py --random-model --features`).
    static let featuresDetector = root.appendingPathComponent("Tests/FindColorTests/Fixtures/repair_features_tiny.safetensors")
    static let featuresGolden = root.appendingPathComponent("Tests/FindColorTests/Fixtures/repair_features_golden.safetensors")
}

/// A detector file and the PyTorch goldens made from it.
enum DetectorFixture: String, CaseIterable, Sendable {
    case bundled, contextLevel, features
    var model: URL { [.bundled: Repo.detector, .contextLevel: Repo.contextDetector, .features: Repo.featuresDetector][self]! }
    var golden: URL { [.bundled: Repo.repairGolden, .contextLevel: Repo.contextGolden, .features: Repo.featuresGolden][self]! }
}

/// L* of a smooth synthetic scene (a ramp with a gentle wave), `width`×`height`.
func smoothScene(width: Int, height: Int) -> PlanarImage {
    var L = PlanarImage(width: width, height: height, channels: 1)
    for y in 0..<height {
        for x in 0..<width {
            L.data[y * width + x] = 30 + 40 * Float(x) / Float(width) + 8 * sinf(Float(y) / Float(height) * 6)
        }
    }
    return L
}

/// The defect detector against PyTorch (training/findcolor_train/repair_golden.py, from the bundled
/// file and from a random one with the context level), on both backends. Tolerances: logits 1e-3,
/// probabilities 1e-4.
@Suite(.serialized) struct DefectDetectorParity {
    @Test(arguments: [Backend.reference, Backend.oneDNN], DetectorFixture.allCases)
    func networkMatchesPyTorch(backend: Backend, fixture: DetectorFixture) throws {
        let detector = try DefectDetector(modelURL: fixture.model, backend: backend)
        let golden = try SafeTensorsFile(contentsOf: fixture.golden)
        let L = Tensor(shape: TensorShape(n: 1, h: 64, w: 96, c: 1), values: try golden.floats("net_64x96.L").map { $0 / 50 - 1 })
        let got = detector.logits(L).scalars
        let want = try golden.floats("net_64x96.logits")
        #expect(got.count == want.count)
        let d = zip(got, want).map { abs($0 - $1) }.max()!
        #expect(d <= 1e-3, "logits on \(backend), \(fixture): max |Δ| = \(d)")
    }

    @Test(arguments: [Backend.reference, Backend.oneDNN], DetectorFixture.allCases)
    func paddedProbabilityMatchesPyTorch(backend: Backend, fixture: DetectorFixture) throws {
        let detector = try DefectDetector(modelURL: fixture.model, backend: backend)
        let golden = try SafeTensorsFile(contentsOf: fixture.golden)
        let L = PlanarImage(width: 83, height: 75, channels: 1, data: try golden.floats("pad_75x83.L"))
        let got = detector.probability(L, mirrors: 1)  // one search, as the golden's
        let want = try golden.floats("pad_75x83.probability")
        let d = zip(got.data, want).map { abs($0 - $1) }.max()!
        #expect(d <= 1e-4, "probability on \(backend), \(fixture): max |Δ| = \(d)")
        if fixture == .bundled {
            // The golden scene has a bright scratch and dark dust: the detector sees them.
            #expect(got.data.filter { $0 > 0.5 }.count > 50)
        }
    }

    /// Four mirrored searches averaged, as `repair_model.search_probability` defines them: without
    /// features the mirrored plane is padded and searched; with features the padded window is
    /// mirrored and its features, computed once, mirrored with it.
    @Test(arguments: [Backend.reference, Backend.oneDNN], DetectorFixture.allCases)
    func mirroredSearchesMatchPyTorch(backend: Backend, fixture: DetectorFixture) throws {
        let detector = try DefectDetector(modelURL: fixture.model, backend: backend)
        let golden = try SafeTensorsFile(contentsOf: fixture.golden)
        let L = PlanarImage(width: 83, height: 75, channels: 1, data: try golden.floats("pad_75x83.L"))
        let got = detector.probability(L, mirrors: 4)
        let want = try golden.floats("pad_75x83.probability_mirrors4")
        let d = zip(got.data, want).map { abs($0 - $1) }.max()!
        #expect(d <= 1e-4, "four searches on \(backend), \(fixture): max |Δ| = \(d)")
        // not one search's result: the mirrored searches count
        let one = try golden.floats("pad_75x83.probability")
        #expect(zip(got.data, one).map { abs($0 - $1) }.max()! > 1e-2)
    }

    /// Tiles (with their margin) give the whole-photo result: no seams at tile borders (the
    /// context level's larger receptive field has its larger margin, the features' a larger one).
    @Test(arguments: DetectorFixture.allCases)
    func tilesEqualTheWholePhoto(fixture: DetectorFixture) throws {
        let detector = try DefectDetector(modelURL: fixture.model)
        #expect(detector.margin == (fixture == .features ? 160 : 96))  // all have the context level
        // wide enough that some windows do not reach both sides of the photo
        let W = fixture == .features ? 420 : 170
        var L = smoothScene(width: W, height: 150)
        for y in 0..<150 { for x in 84...86 { L.data[y * W + x] = 95 } }  // a scratch across tile borders
        let whole = detector.probability(L, mirrors: 1)
        let whole4 = detector.probability(L, mirrors: 4)  // with features: each window mirrored
        detector.tile = 0
        #expect(detector.tile == detector.config.multiple)  // rounded up to one multiple
        detector.tile = 40  // rounded up to a multiple of the input multiple (16 with the context level): 48
        #expect(detector.tile == 48)
        #expect(L.width * L.height <= detector.wholePlanePixels)  // `whole` was one window
        detector.wholePlanePixels = 0  // now in tiles
        let tiled = detector.probability(L, mirrors: 1)
        let d = zip(whole.data, tiled.data).map { abs($0 - $1) }.max()!
        #expect(d <= 1e-4, "tiled vs whole (\(fixture)): max |Δp| = \(d)")
        let tiled4 = detector.probability(L, mirrors: 4)
        let d4 = zip(whole4.data, tiled4.data).map { abs($0 - $1) }.max()!
        #expect(d4 <= 1e-4, "tiled vs whole, four searches (\(fixture)): max |Δp| = \(d4)")
    }

    /// Mirrored searches averaged (`mirrors` 4) make the probability mirror-equivariant: the
    /// search of the mirrored photo is the mirrored search (one search alone is not: the network is
    /// not symmetric). Sides are multiples of 8, so no padding breaks the symmetry. Detectors
    /// without features (a detector with features computes each window's features once and
    /// mirrors them, so its searches are equivariant only as far as its features are:
    /// `mirroredSearchesMatchPyTorch` checks that computation).
    @Test(arguments: [DetectorFixture.bundled, .contextLevel])
    func mirroredSearchesAreMirrorEquivariant(fixture: DetectorFixture) throws {
        let detector = try DefectDetector(modelURL: fixture.model)
        guard detector.config.features == nil else { return }
        var L = smoothScene(width: 96, height: 64)
        for y in 0..<64 { for x in 30...31 { L.data[y * 96 + x] = 95 } }
        for y in 40...43 { for x in 70...73 { L.data[y * 96 + x] = 5 } }
        func mirrored(_ p: PlanarImage, _ fx: Bool, _ fy: Bool) -> PlanarImage {
            var o = p
            for y in 0..<p.height {
                for x in 0..<p.width {
                    o.data[y * p.width + x] = p.data[(fy ? p.height - 1 - y : y) * p.width + (fx ? p.width - 1 - x : x)]
                }
            }
            return o
        }
        for (fx, fy) in [(true, false), (false, true), (true, true)] {
            let a = mirrored(detector.probability(L, mirrors: 4), fx, fy)
            let b = detector.probability(mirrored(L, fx, fy), mirrors: 4)
            let d = zip(a.data, b.data).map { abs($0 - $1) }.max()!
            #expect(d <= 1e-5, "mirrors 4, flip \(fx) \(fy): max |Δp| = \(d)")
        }
        let a = mirrored(detector.probability(L, mirrors: 2), true, false)
        let b = detector.probability(mirrored(L, true, false), mirrors: 2)
        #expect(zip(a.data, b.data).map { abs($0 - $1) }.max()! <= 1e-5)
        // One search: not equivariant, so the test above tests something.
        let c = mirrored(detector.probability(L, mirrors: 1), true, false)
        let e = detector.probability(mirrored(L, true, false), mirrors: 1)
        #expect(zip(c.data, e.data).map { abs($0 - $1) }.max()! > 1e-3)
        // The average of the four searches, each mirrored back.
        let four = detector.probability(L, mirrors: 4)
        var mean = detector.probability(L, mirrors: 1)
        for (fx, fy) in [(true, false), (false, true), (true, true)] {
            let p = mirrored(detector.probability(mirrored(L, fx, fy), mirrors: 1), fx, fy)
            for i in mean.data.indices { mean.data[i] += p.data[i] }
        }
        #expect(zip(four.data, mean.data).map { abs($0 - $1 / 4) }.max()! <= 1e-6)
    }

    /// bf16 convolutions (`DefectDetector.precision`, the default where they are faster) against
    /// fp32 on the golden scene, all four searches: the probabilities within 0.03 (the bundled
    /// detector; measured 0.012) or 0.1 (the features fixture, whose random layers give larger
    /// logits; measured 0.079), within 0.002 on average, and the detected masks the same to within
    /// 1 % of their pixels. Where the CPU has no AVX-512 BF16, or on the reference backend, the
    /// detector stays fp32.
    @Test(arguments: [DetectorFixture.bundled, .features])
    func bf16SearchesAgreeWithFp32(fixture: DetectorFixture) throws {
        let reference = try DefectDetector(modelURL: fixture.model, backend: .reference, precision: .bf16)
        #expect(reference.precision == .fp32)
        let fp32 = try DefectDetector(modelURL: fixture.model, backend: .oneDNN)
        let bf16 = try DefectDetector(modelURL: fixture.model, backend: .oneDNN, precision: .bf16)
        guard Precision.bf16.isSupported, Backend.oneDNN.isAvailable else {
            #expect(bf16.precision == .fp32)
            return
        }
        #expect(fp32.precision == .fp32 && bf16.precision == .bf16)
        let golden = try SafeTensorsFile(contentsOf: fixture.golden)
        let L = PlanarImage(width: 83, height: 75, channels: 1, data: try golden.floats("pad_75x83.L"))
        let a = fp32.probability(L, mirrors: 4), b = bf16.probability(L, mirrors: 4)
        let d = zip(a.data, b.data).map { abs($0 - $1) }
        print("bf16 vs fp32 (\(fixture)): max |Δp| \(d.max()!), mean \(d.reduce(0, +) / Float(d.count))")
        #expect(d.max()! <= (fixture == .bundled ? 0.03 : 0.1), "bf16 vs fp32 (\(fixture)): max |Δp| = \(d.max()!)")
        #expect(d.reduce(0, +) / Float(d.count) <= 0.002)
        let ma = fp32.detect(L), mb = bf16.detect(L)
        let differ = zip(ma.data, mb.data).filter { $0 != $1 }.count, flagged = ma.data.filter { $0 > 0 }.count
        print("bf16 vs fp32 (\(fixture)): \(differ) of \(flagged) flagged pixels differ")
        #expect(Float(differ) <= 0.01 * Float(max(flagged, 100)), "\(fixture): \(differ) mask pixels differ of \(flagged)")
    }

    @Test func filesThatAreNotDetectorsAreRefused() throws {
        // The colour model is a valid safetensors file without the detector's metadata.
        #expect(throws: FindColorError.self) { _ = try DefectDetector(modelURL: Repo.model) }
        // Every tensor must be used.
        let file = try SafeTensorsFile(contentsOf: Repo.detector)
        var writer = SafeTensorsWriter(metadata: file.metadata)
        for name in file.names { try writer.add(name, shape: file.tensors[name]!.shape, values: try file.floats(name)) }
        try writer.add("e4.weight", shape: [2], values: [1, 2])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("findcolor-detector-\(UUID().uuidString).safetensors")
        try writer.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try DefectDetector(modelURL: url)
            Issue.record("a detector file with an unused tensor was accepted")
        } catch {
            #expect("\(error)".contains("e4.weight"), "\(error)")
        }
        // Features the runtime does not know, or that the file says it has without their weights.
        let plain = try SafeTensorsFile(contentsOf: Repo.detector)
        for (features, message) in [("resnet_imagenet", "unsupported defect detector features"),
                                    ("mobilenet_v2_imagenet_L", "missing weight 'fx.features")] {
            var json = try JSONSerialization.jsonObject(with: Data(plain.metadata[DefectDetector.metadataKey]!.utf8)) as! [String: Any]
            json["features"] = features
            var meta = plain.metadata
            meta[DefectDetector.metadataKey] = String(data: try JSONSerialization.data(withJSONObject: json), encoding: .utf8)!
            var w = SafeTensorsWriter(metadata: meta)
            for name in plain.names { try w.add(name, shape: plain.tensors[name]!.shape, values: try plain.floats(name)) }
            try w.write(to: url)
            do {
                _ = try DefectDetector(modelURL: url)
                Issue.record("a detector with features \(features) and no such weights was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}

@Suite(.serialized) struct RepairPipeline {
    static let restorer = Restorer(detector: try! DefectDetector(modelURL: Repo.detector))

    /// A scratch and dust on a smooth scene are found, filled close to the clean scene, and the
    /// clean scene is left alone.
    @Test func findsAndFillsSyntheticDamage() throws {
        let clean = smoothScene(width: 160, height: 120)
        var damaged = clean
        var truth = PlanarImage(width: 160, height: 120, channels: 1)
        for y in 0..<120 { for x in 70...72 { damaged.data[y * 160 + x] = 97; truth.data[y * 160 + x] = 1 } }
        for (cx, cy) in [(30, 30), (120, 90), (40, 100)] {
            for y in cy - 2...cy + 2 { for x in cx - 2...cx + 2 { damaged.data[y * 160 + x] = 4; truth.data[y * 160 + x] = 1 } }
        }
        var s = RepairSettings()
        s.fade = false
        let r = try Self.restorer.repair(lightness: damaged, s)
        let defects = truth.data.indices.filter { truth.data[$0] > 0.5 }
        let found = defects.filter { r.mask.data[$0] > 0.5 }.count
        #expect(Double(found) / Double(defects.count) >= 0.8, "recall \(found) of \(defects.count)")
        var errBefore: Float = 0, errAfter: Float = 0
        for i in defects {
            errBefore += abs(damaged.data[i] - clean.data[i])
            errAfter += abs(r.lightness.data[i] - clean.data[i])
        }
        #expect(errAfter < errBefore * 0.25, "mean |ΔL| inside \(errBefore / Float(defects.count)) → \(errAfter / Float(defects.count))")
        let onClean = try Self.restorer.repair(lightness: clean, s)
        #expect(onClean.maskedShare < 0.01, "flagged \(onClean.maskedShare * 100) % of a clean scene")
    }

    /// A large scan is searched at the detector's own scale (`detectionShortSide`): a scratch and
    /// dust drawn 4× larger on a 2560×1920 scene are found as they are at 640×480.
    @Test func largeScansAreSearchedAtTheDetectorsScale() throws {
        let detector = Self.restorer.detector!
        #expect(detector.detectionShortSide == 640)
        func scene(scale k: Int) -> (damaged: PlanarImage, truth: PlanarImage, clean: PlanarImage) {
            let W = 640 * k, H = 480 * k
            let clean = smoothScene(width: W, height: H)
            var damaged = clean
            var truth = PlanarImage(width: W, height: H, channels: 1)
            for y in 0..<H { for x in (300 * k)..<(303 * k) { damaged.data[y * W + x] = 97; truth.data[y * W + x] = 1 } }
            for (cx, cy) in [(100, 100), (500, 380), (150, 400)] {
                for y in (cy - 2) * k..<(cy + 3) * k { for x in (cx - 2) * k..<(cx + 3) * k { damaged.data[y * W + x] = 4; truth.data[y * W + x] = 1 } }
            }
            return (damaged, truth, clean)
        }
        for k in [1, 4] {
            let (damaged, truth, clean) = scene(scale: k)
            let mask = detector.detect(damaged)
            let defects = truth.data.indices.filter { truth.data[$0] > 0.5 }
            let found = defects.filter { mask.data[$0] > 0.5 }.count
            #expect(Double(found) / Double(defects.count) >= 0.95, "×\(k): recall \(found) of \(defects.count)")
            let flagged = detector.detect(clean).data.filter { $0 > 0.5 }.count
            #expect(Double(flagged) / Double(clean.planeSize) < 0.01, "×\(k): \(flagged) pixels of a clean scene flagged")
        }
    }

    /// A user mask alone (no detector) fills exactly its pixels; erasing keeps pixels untouched.
    @Test func userMasksAddAndErase() throws {
        let clean = smoothScene(width: 64, height: 48)
        var damaged = clean
        var add = PlanarImage(width: 64, height: 48, channels: 1)
        for x in 0..<64 { damaged.data[20 * 64 + x] = 99; add.data[20 * 64 + x] = 1 }
        var s = RepairSettings()
        s.detect = false
        s.fade = false
        s.mask = add
        let r = try Restorer(detector: nil).repair(lightness: damaged, s)
        for i in damaged.data.indices {
            if add.data[i] > 0.5 {
                #expect(abs(r.lightness.data[i] - clean.data[i]) < 3)
            } else {
                #expect(r.lightness.data[i] == damaged.data[i])
            }
        }
        var erase = PlanarImage(width: 64, height: 48, channels: 1)
        for x in 0..<32 { erase.data[20 * 64 + x] = 1 }
        s.eraseMask = erase
        let kept = try Restorer(detector: nil).repair(lightness: damaged, s)
        #expect(kept.lightness.data[20 * 64 + 5] == 99)
        #expect(abs(kept.lightness.data[20 * 64 + 50] - clean.data[20 * 64 + 50]) < 3)
        #expect(Inpainting.defectCount(kept.mask) == 32)
    }

    @Test func badSettingsAreClearErrors() throws {
        let L = smoothScene(width: 32, height: 24)
        func message(_ s: RepairSettings, detector: Bool = false) -> String {
            do {
                _ = try (detector ? Self.restorer : Restorer(detector: nil)).repair(lightness: L, s)
                return ""
            } catch { return "\(error)" }
        }
        var s = RepairSettings()
        s.detect = false
        s.denoise = 1.5
        #expect(message(s).contains("denoise strength must be between 0 and 1"))
        s.denoise = 0
        s.mask = PlanarImage(width: 31, height: 24, channels: 1)
        #expect(message(s).contains("31×24 but the photo is 32×24"))
        s.mask = PlanarImage(width: 32, height: 24, channels: 1, data: Array(repeating: 1, count: 32 * 24))
        #expect(message(s).contains("covers the whole photo"))
        s.mask = nil
        s.detect = true
        #expect(message(s).contains("no defect detector"))
        s.threshold = 1
        #expect(message(s, detector: true).contains("threshold must be between 0 and 1"))
        s.threshold = nil
        s.mirrors = 3
        #expect(message(s, detector: true).contains("mirror count must be 1, 2 or 4"))
    }

    /// The protocol's damage is seeded: the same seed gives the same damage, another seed another.
    @Test func damageIsSeeded() {
        let L = smoothScene(width: 96, height: 80)
        var g1 = SeededGenerator(seed: 7, 3), g2 = SeededGenerator(seed: 7, 3), g3 = SeededGenerator(seed: 8, 3)
        let a = Damage.render(L, rng: &g1), b = Damage.render(L, rng: &g2), c = Damage.render(L, rng: &g3)
        #expect(a.damaged.data == b.damaged.data && a.mask.data == b.mask.data)
        #expect(a.damaged.data != c.damaged.data)
        // Masked pixels are changed by at least the minimum change before grain (so by > 0 after).
        var anyMasked = false
        for seed in 0..<10 {
            var g = SeededGenerator(seed: UInt64(seed), 0)
            let d = Damage.render(L, rng: &g)
            for i in d.mask.data.indices where d.mask.data[i] > 0.5 {
                anyMasked = true
                #expect(d.damaged.data[i] != L.data[i])
            }
        }
        #expect(anyMasked)
    }

    /// Every mask pixel records the kind of defect that made it (the protocol's recall by kind),
    /// no other pixel does, and over a few seeds several kinds appear.
    @Test func damageRecordsTheKindOfEveryMaskPixel() {
        let L = smoothScene(width: 160, height: 120)
        var seen = Set<UInt8>()
        for seed in 0..<24 {
            var g = SeededGenerator(seed: UInt64(seed), 1)
            let d = Damage.render(L, rng: &g)
            #expect(d.kinds.count == L.planeSize)
            for i in d.kinds.indices {
                let masked = d.mask.data[i] > 0.5
                #expect(masked == (d.kinds[i] != 0))
                #expect(masked ? d.change[i] >= Damage.minimumChange && d.change[i] <= 100 : d.change[i] == 0)
                if masked {
                    #expect(Damage.Kind(rawValue: d.kinds[i]) != nil)
                    seen.insert(d.kinds[i])
                }
            }
        }
        #expect(seen.count >= 4, "kinds seen: \(seen.sorted())")
    }

    /// The bands of the protocol's recall by change: [3, 6), [6, 12), [12, 25), [25, ∞).
    @Test func changeBandsAreHalfOpen() {
        #expect([3, 5.99, 6, 11.9, 12, 24.9, 25, 100].map { RepairReport.changeBand(Float($0)) } == [0, 0, 1, 1, 2, 2, 3, 3])
    }
}

/// Hysteresis of the defect mask (closed form on a hand-made probability map).
@Suite struct DefectHysteresisTests {
    @Test func keepsRegionsWithAConfidentCoreWhole() {
        // Row 0: a region 0.6 0.7 0.99 0.6 (seeded); a gap; a region 0.6 0.8 (no seed).
        // Row 1: a pixel diagonal to the seeded region joins it (8-connected).
        let w = 9
        var p = PlanarImage(width: w, height: 2, channels: 1)
        let row0: [Float] = [0.6, 0.7, 0.99, 0.6, 0.1, 0.1, 0.6, 0.8, 0.2]
        let row1: [Float] = [0.0, 0.0, 0.0, 0.0, 0.55, 0.0, 0.0, 0.0, 0.0]
        p.data = row0 + row1
        let m = DefectDetector.hysteresis(p, low: 0.5, high: 0.95)
        #expect(Array(m.data[0..<w]) == [1, 1, 1, 1, 0, 0, 0, 0, 0])
        #expect(Array(m.data[w..<2 * w]) == [0, 0, 0, 0, 1, 0, 0, 0, 0])
        // No seed threshold above the low one: the plain threshold.
        let plain = DefectDetector.hysteresis(p, low: 0.5, high: 0.5)
        #expect(Array(plain.data[0..<w]) == [1, 1, 1, 1, 0, 0, 1, 1, 0])
    }
}


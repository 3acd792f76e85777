import Foundation
import Testing
@testable import FindColorImage

/// `Inpainting`: both methods on synthetic damage (quality floors inside the mask), the contract
/// (unmasked pixels bit-exact, finite fills within the known range) and the bad inputs.
@Suite struct InpaintingTests {
    typealias Damage = RepairFixtures.Damage

    /// PSNR of L inside the mask (peak 100) that each method must reach on the synthetic photo
    /// (conservative: a few dB under what was measured, see the table in `Inpainting`).
    static func floor(_ damage: Damage, _ method: Inpainting.Method) -> Double {
        switch damage {
        case .scratches, .dust, .hairs: return 26
        case .blotches: return 22
        case .corner: return 20
        }
    }

    /// The measurement behind `Method.default`: PSNR inside the mask and time of both methods on
    /// each kind of damage, on the clean synthetic photo and on a copy with grain (σ = 2 L*,
    /// scored against the clean photo). Prints the table; asserts the floors.
    @Test func bothMethodsOnEveryKindOfDamage() throws {
        let width = 512, height = 384
        let clean = RepairFixtures.photo(width: width, height: height)
        let grainy = RepairFixtures.noisy(clean, sigma: 2, seed: 5)
        var lines = ["damage      share  degraded | push–pull dB   ms | fast marching dB   ms  (grain σ 2: pp dB, fm dB)"]
        for (k, damage) in Damage.allCases.enumerated() {
            let mask = RepairFixtures.mask(damage, width: width, height: height, seed: UInt64(100 + k))
            let share = Double(Inpainting.defectCount(mask)) / Double(width * height)
            let degraded = RepairFixtures.damaged(clean, mask: mask)
            var cells: [Inpainting.Method: (psnr: Double, ms: Double, grainy: Double)] = [:]
            for method in Inpainting.Method.allCases {
                var filled = degraded
                let ms = try milliseconds { filled = try Inpainting.fill(degraded, mask: mask, method: method) }
                let quality = psnrL(filled, clean, inside: mask)
                let grainyFilled = try Inpainting.fill(RepairFixtures.damaged(grainy, mask: mask), mask: mask, method: method)
                cells[method] = (quality, ms, psnrL(grainyFilled, clean, inside: mask))
                #expect(quality >= InpaintingTests.floor(damage, method), "\(damage) \(method): \(quality) dB inside the mask")
                #expect(!filled.data.contains { !$0.isFinite })
            }
            let pp = cells[.pushPull]!, fm = cells[.fastMarching]!
            lines.append(damage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + String(format: " %5.1f %%  %6.1f dB | %8.1f %6.0f | %12.1f %6.0f  (%.1f, %.1f)", 100 * share, psnrL(degraded, clean, inside: mask),
                                pp.psnr, pp.ms, fm.psnr, fm.ms, pp.grainy, fm.grainy))
        }
        print(lines.joined(separator: "\n"))
    }

    /// The push–pull pull's fast path (coarse pixels whose footprint holds no hole, and the push
    /// over each level's deficient pixels only) against every pixel computed the general way:
    /// bit-identical on every kind of damage, at odd sizes, on thin planes, with holes on the
    /// borders and holes holding NaN; and `fillInPlace` writes what `fill` returns.
    @Test func pushPullFastPathIsBitIdenticalToTheGeneralOne() throws {
        var cases: [(PlanarImage, PlanarImage)] = []
        for (k, damage) in Damage.allCases.enumerated() {
            for (w, h) in [(97, 61), (130, 7), (64, 64), (5, 300)] {
                let l = RepairFixtures.noisy(RepairFixtures.photo(width: w, height: h), sigma: 2, seed: UInt64(k))
                var mask = RepairFixtures.mask(damage, width: w, height: h, seed: UInt64(7 + k))
                RepairFixtures.paintDisc(&mask, centre: (Float(w - 1), 0), radius: 2)  // a corner
                cases.append((l, mask))
            }
        }
        // A few isolated holes in a large plane (most coarse pixels take the fast path) and a
        // 2 × 2 plane with one hole.
        var sparse = PlanarImage(width: 300, height: 200, channels: 1)
        for i in stride(from: 517, to: sparse.data.count, by: 7919) { sparse.data[i] = 1 }
        cases.append((RepairFixtures.photo(width: 300, height: 200), sparse))
        var tiny = PlanarImage(width: 2, height: 2, channels: 1)
        tiny.data[3] = 1
        cases.append((PlanarImage(width: 2, height: 2, channels: 1, repeating: 40), tiny))
        var compared = 0
        for (n, (clean, mask)) in cases.enumerated() {
            var l = clean
            let holes = l.data.indices.filter { mask.data[$0] > 0.5 }.map { Int32($0) }
            // (A torn corner can cover a whole thin plane: nothing to fill from.)
            guard !holes.isEmpty && holes.count < l.data.count else { continue }
            compared += 1
            for i in holes { l.data[Int(i)] = .nan }
            var fast = l.data, general = l.data
            PushPullFill.fill(&fast, width: l.width, height: l.height, mask: mask.data, holes: holes, iterations: 12, fast: true)
            PushPullFill.fill(&general, width: l.width, height: l.height, mask: mask.data, holes: holes, iterations: 12, fast: false)
            #expect(fast.map(\.bitPattern) == general.map(\.bitPattern), "case \(n) (\(l.width)×\(l.height))")
            #expect(!fast.contains { !$0.isFinite }, "case \(n)")
            var inPlace = l
            try Inpainting.fillInPlace(&inPlace, mask: mask)
            #expect(inPlace.data.map(\.bitPattern) == (try Inpainting.fill(l, mask: mask)).data.map(\.bitPattern), "case \(n)")
            #expect(inPlace.data.map(\.bitPattern) == fast.map(\.bitPattern), "case \(n)")
        }
        #expect(compared >= cases.count - 3, "\(compared) of \(cases.count) cases compared")
    }

    @Test(arguments: Inpainting.Method.allCases)
    func unmaskedPixelsAreBitExactAndFillsAreFinite(method: Inpainting.Method) throws {
        let clean = RepairFixtures.noisy(RepairFixtures.photo(width: 97, height: 61), sigma: 3, seed: 9)
        var mask = RepairFixtures.mask(.scratches, width: 97, height: 61, seed: 3)
        RepairFixtures.paintDisc(&mask, centre: (0, 60), radius: 9)  // touching two borders
        var input = clean
        // Whatever the holes hold (NaN, infinity, huge values) is never read.
        for (n, i) in input.data.indices.filter({ mask.data[$0] > 0.5 }).enumerated() {
            input.data[i] = [Float.nan, .infinity, -.infinity, 1e30][n % 4]
        }
        let out = try Inpainting.fill(input, mask: mask, method: method)
        let known = clean.data.indices.filter { mask.data[$0] <= 0.5 }
        let lo = known.map { clean.data[$0] }.min()!, hi = known.map { clean.data[$0] }.max()!
        for i in out.data.indices {
            if mask.data[i] > 0.5 {
                #expect(out.data[i].isFinite && out.data[i] >= lo && out.data[i] <= hi, "sample \(i): \(out.data[i])")
            } else {
                #expect(out.data[i].bitPattern == input.data[i].bitPattern)
            }
        }
    }

    @Test(arguments: Inpainting.Method.allCases)
    func tornCornerIsSmoothAndPlausible(method: Inpainting.Method) throws {
        let clean = RepairFixtures.photo(width: 200, height: 150)
        let mask = RepairFixtures.mask(.corner, width: 200, height: 150, seed: 0)
        let out = try Inpainting.fill(RepairFixtures.damaged(clean, mask: mask, value: 0), mask: mask, method: method)
        // No streaks or jumps: inside the fill, neighbouring pixels differ by little (the photo's
        // own texture changes by up to ≈ 6 L* per pixel).
        var largest: Float = 0
        for y in 0..<149 {
            for x in 0..<199 where mask[x, y, 0] > 0.5 && mask[x + 1, y, 0] > 0.5 && mask[x, y + 1, 0] > 0.5 {
                largest = max(largest, abs(out[x + 1, y, 0] - out[x, y, 0]), abs(out[x, y + 1, 0] - out[x, y, 0]))
            }
        }
        #expect(largest < 8, "largest step inside the fill: \(largest)")
        // The corner's fill stays in the range of the photo.
        for i in out.data.indices where mask.data[i] > 0.5 { #expect(out.data[i] > 20 && out.data[i] < 90) }
    }

    @Test(arguments: Inpainting.Method.allCases)
    func thinAndTinyImages(method: Inpainting.Method) throws {
        // 1 × 1, unmasked: returned as is.
        let single = PlanarImage(width: 1, height: 1, channels: 1, repeating: 42)
        #expect(try Inpainting.fill(single, mask: PlanarImage(width: 1, height: 1, channels: 1), method: method) == single)
        // A single row and a single column with holes in the middle and at both ends.
        for (w, h) in [(9, 1), (1, 9), (2, 2), (3, 2)] {
            let image = PlanarImage(width: w, height: h, channels: 1) { x, y, _ in Float(10 * (x + y) + 5) }
            let mask = PlanarImage(width: w, height: h, channels: 1) { x, y, _ in (x + y) % 3 == 0 ? 1 : 0 }
            let out = try Inpainting.fill(image, mask: mask, method: method)
            for i in out.data.indices {
                if mask.data[i] > 0.5 {
                    #expect(out.data[i] >= 5 && out.data[i] <= Float(10 * (w + h - 2) + 5), "\(w)×\(h) sample \(i): \(out.data[i])")
                } else {
                    #expect(out.data[i] == image.data[i])
                }
            }
        }
        // A single hole in a constant image is filled with the constant.
        var mask = PlanarImage(width: 5, height: 4, channels: 1)
        mask[2, 1, 0] = 1
        let constant = PlanarImage(width: 5, height: 4, channels: 1, repeating: 37.5)
        #expect(try Inpainting.fill(constant, mask: mask, method: method) == constant)
    }

    @Test func emptyMaskReturnsTheInput() throws {
        let image = RepairFixtures.photo(width: 40, height: 30)
        let mask = PlanarImage(width: 40, height: 30, channels: 1, repeating: 0.5)  // 0.5 is not a defect
        for method in Inpainting.Method.allCases {
            #expect(try Inpainting.fill(image, mask: mask, method: method) == image)
        }
        #expect(Inpainting.defectCount(mask) == 0)
        let empty = PlanarImage(width: 0, height: 0, channels: 1)
        #expect(try Inpainting.fill(empty, mask: empty) == empty)
    }

    @Test func badInputsThrowClearErrors() {
        let image = RepairFixtures.photo(width: 20, height: 10)
        let mask = PlanarImage(width: 20, height: 10, channels: 1)
        func message(_ body: () throws -> Void) -> String { imageError(body)?.description ?? "no ImageError" }

        #expect(message { _ = try Inpainting.fill(PlanarImage(width: 20, height: 10, channels: 3), mask: mask) }
            == "inpainting needs a 1-channel L* image, got 3 channels")
        #expect(message { _ = try Inpainting.fill(image, mask: PlanarImage(width: 20, height: 10, channels: 2)) }
            == "inpainting: the defect mask must have 1 channel, got 2 channels")
        #expect(message { _ = try Inpainting.fill(image, mask: PlanarImage(width: 10, height: 20, channels: 1)) }
            == "inpainting: the defect mask is 10×20 but the image is 20×10")
        #expect(message { _ = try Inpainting.fill(image, mask: PlanarImage(width: 20, height: 10, channels: 1, repeating: 1)) }
            == "inpainting: the mask covers all 20×10 pixels, so there is nothing to fill them from")
        #expect(message { _ = try Inpainting.fill(PlanarImage(width: 1, height: 1, channels: 1), mask: PlanarImage(width: 1, height: 1, channels: 1, repeating: 1)) }
            == "inpainting: the mask covers all 1×1 pixels, so there is nothing to fill them from")
        var withNaN = image
        withNaN[3, 2, 0] = .nan
        #expect(message { _ = try Inpainting.fill(withNaN, mask: mask) }
            == "inpainting: the L* sample at (3, 2) is nan, outside the mask; only masked pixels may be undefined")
    }

    /// The 12-megapixel timing (set FINDCOLOR_REPAIR_BENCH=1 to run it; prints, asserts nothing).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FINDCOLOR_REPAIR_BENCH"] != nil))
    func twelveMegapixelTiming() throws {
        let width = 4000, height = 3000
        let clean = RepairFixtures.photo(width: width, height: height)
        var lines: [String] = []
        for damage in [Damage.scratches, .dust, .blotches, .corner] {
            let mask = RepairFixtures.mask(damage, width: width, height: height, seed: 1)
            let share = Double(Inpainting.defectCount(mask)) / Double(width * height)
            for method in Inpainting.Method.allCases {
                let ms = try milliseconds { _ = try Inpainting.fill(clean, mask: mask, method: method) }
                lines.append("12 MP \(damage) " + String(format: "(%.2f %%) ", 100 * share) + "\(method.rawValue): " + String(format: "%.0f ms", ms))
            }
            // The push–pull itself (no copy, no mask scan), its fast path and every pixel the
            // general way, side by side (median of 3 each).
            let holes = mask.data.indices.filter { mask.data[$0] > 0.5 }.map { Int32($0) }
            var times: [Bool: [Double]] = [:]
            for _ in 0..<3 {
                for fast in [true, false] {
                    var pixels = clean.data
                    pixels[0] += 0  // the copy made here, not timed
                    times[fast, default: []].append(try milliseconds {
                        PushPullFill.fill(&pixels, width: width, height: height, mask: mask.data, holes: holes, iterations: 12, fast: fast)
                    })
                }
            }
            let fast = times[true]!.sorted()[1], general = times[false]!.sorted()[1]
            lines.append(String(format: "    push–pull alone: fast path %.0f ms, general %.0f ms (%.2f×)", fast, general, general / fast))
        }
        let noisy = RepairFixtures.noisy(clean, sigma: 4, seed: 2)
        let grainMs = try milliseconds { _ = try GrainReduction.reduce(noisy, strength: 0.5) }
        lines.append(String(format: "12 MP grain reduction s=0.5: %.0f ms", grainMs))
        let faded = PlanarImage(width: width, height: height, channels: 1, data: clean.data.map { 30 + 0.45 * $0 })
        let fadeMs = try milliseconds { _ = try FadeCorrection.correct(faded) }
        lines.append(String(format: "12 MP fade correction: %.0f ms", fadeMs))
        print(lines.joined(separator: "\n"))
    }
}

import Foundation
import Testing
import FindColorImage
import FindColorNN
@testable import FindColor

/// The network's working size is bounded in both dimensions (issue 11, item 2): a 65535×256 strip
/// used to run the network at full size (~230 bytes per pixel: 3.9 GB).
@Suite struct WorkingSizeTests {
    @Test func ordinaryPhotosKeepTheirWorkingSize() {
        #expect(Colorizer.fit(width: 4000, height: 3000, shortSide: 256) == (341, 256))
        #expect(Colorizer.fit(width: 3000, height: 4000, shortSide: 256) == (256, 341))
        #expect(Colorizer.fit(width: 1024, height: 256, shortSide: 256) == (1024, 256))   // 4:1, the bound
        #expect(Colorizer.fit(width: 8000, height: 2000, shortSide: 256) == (1024, 256))
        #expect(Colorizer.fit(width: 200, height: 100, shortSide: 256) == (200, 100))     // never upscaled
        #expect(Colorizer.fit(width: 1, height: 1, shortSide: 256) == (1, 1))
    }

    @Test func wideStripsAreScaledDownFurther() {
        #expect(Colorizer.fit(width: 65_535, height: 256, shortSide: 256) == (8192, 32))
        #expect(Colorizer.fit(width: 256, height: 65_535, shortSide: 256) == (32, 8192))
        #expect(Colorizer.fit(width: 390_625, height: 256, shortSide: 256) == (8192, 5))
        #expect(Colorizer.fit(width: 100_000_000, height: 1, shortSide: 256) == (8192, 1))
        #expect(Colorizer.fit(width: 65_344, height: 255, shortSide: 256) == (8192, 32))
        #expect(Colorizer.fit(width: 2048, height: 256, shortSide: 256) == (1448, 181))
    }

    /// For any aspect ratio and setting: at most 4·S² pixels, a long side of at most 4·S²/32, and so
    /// at most ~8·S² pixels once padded to the network's multiple of 32.
    @Test(arguments: [64, 256, 512, 1024])
    func boundedForEveryAspectRatio(shortSide: Int) {
        let s = shortSide
        var rng = SplitMix64(seed: UInt64(s))
        for _ in 0..<2000 {
            let w = Int(rng.next() % 400_000) + 1
            let h = max(1, min(100_000_000 / w, Int(rng.next() % 70_000) + 1))
            let (fw, fh) = Colorizer.fit(width: w, height: h, shortSide: s)
            #expect(fw <= w && fh <= h, "\(w)×\(h) upscaled to \(fw)×\(fh)")
            #expect(fw * fh <= 4 * s * s + fw + fh + 1, "\(w)×\(h) → \(fw)×\(fh)")
            #expect(max(fw, fh) <= 4 * s * s / 32, "\(w)×\(h) → \(fw)×\(fh)")
            let padded = (fw + 31) / 32 * 32 * ((fh + 31) / 32 * 32)
            #expect(padded <= 8 * s * s, "\(w)×\(h) → \(fw)×\(fh), padded \(padded)")
            // The aspect ratio is kept (to the rounding of the short side).
            if min(fw, fh) >= 8 {
                let ratio = Double(w) / Double(h), working = Double(fw) / Double(fh)
                #expect(abs(working / ratio - 1) < 0.15, "\(w)×\(h) → \(fw)×\(fh)")
            }
        }
    }

    /// End to end with the bundled model: a 16384×32 strip runs the network at 8192×16 and comes
    /// back at full size.
    @Test func aWideStripIsColourizedAtABoundedWorkingSize() throws {
        let colorizer = Shared.colorizer
        let L = lightness(of: syntheticScene(width: 16_384, height: 32))
        let (ab, _) = Ensemble(colorizer: colorizer, spec: EnsemblePreset.fast.spec).run(L: L, hints: [])
        #expect(ab.width == 8192 && ab.height == 16)
        var request = ColorizeRequest()
        request.settings.preset = .fast
        let result = try colorizer.colorize(lightness: L, request)
        #expect(result.rgb.width == 16_384 && result.rgb.height == 32)
    }
}

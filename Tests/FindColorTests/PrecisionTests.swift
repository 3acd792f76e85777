import Foundation
import Testing
import FindColorImage
import FindColorNN
@testable import FindColor

@Suite struct ModelPrecisionTests {
    @Test func layersGetTheirPrecision() {
        #expect(ModelPrecision.fp32.layer("decoder.d4.0") == .fp32)
        #expect(ModelPrecision.bf16.layer("encoder.features.3.conv.2") == .bf16)
        #expect(ModelPrecision.mixed.layer("encoder.features.0.0") == .fp32)
        #expect(ModelPrecision.mixed.layer("decoder.refine2") == .bf16)
        #expect(ModelPrecision.automatic == (Precision.bf16IsFaster ? .mixed : .fp32))
        #expect(!Precision.bf16IsFaster || Precision.bf16.isSupported)
    }

    /// `mixed` (the decoder in bf16) against fp32 on the bundled model: the network's ab stay within
    /// a small distance (docs/speed.md's measurement on 199 photos, "Reduced precision": p99 0.09 ab). Where the CPU has no
    /// AVX-512 BF16 every layer stays fp32 and the outputs are identical.
    @Test func mixedStaysCloseToFP32() throws {
        let mixed = try Colorizer(modelURL: Repo.model, precision: .mixed)
        let layers = [mixed.network.stem, mixed.network.d4, mixed.network.d8a]  // (refine2, 16 → 2, has its own fp32 kernel)
        let bf16 = Precision.bf16.isSupported
        #expect(layers.map(\.convolution.precision) == [.fp32, bf16 ? .bf16 : .fp32, bf16 ? .bf16 : .fp32])
        let scene = syntheticScene(width: 192, height: 128)
        let L = PlanarImage(width: 192, height: 128, channels: 1) { x, y, _ in scene[x, y, 0] * 100 }
        var hints = PlanarImage(width: 192, height: 128, channels: 3)
        for y in 40..<46 { for x in 60..<66 { hints[x, y, 0] = 0.4; hints[x, y, 1] = 0.2; hints[x, y, 2] = 1 } }  // a/110, b/110, mask
        for h in [PlanarImage(width: 192, height: 128, channels: 3), hints] {
            let a = Shared.colorizer.pass(L: L, hints: h).ab, b = mixed.pass(L: L, hints: h).ab
            let n = a.planeSize
            let d = (0..<n).map { i in hypot(a.data[i] - b.data[i], a.data[n + i] - b.data[n + i]) }.sorted()
            if bf16 {
                #expect(d[n * 99 / 100] <= 0.5 && d[n - 1] <= 3, "p99 \(d[n * 99 / 100]), max \(d[n - 1]) ab")
            } else {
                #expect(d[n - 1] == 0)
            }
        }
    }
}

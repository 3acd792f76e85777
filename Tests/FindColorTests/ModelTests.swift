import Foundation
import Testing
import FindColorImage
import FindColorNN
@testable import FindColor

/// Parity of the Swift network with the PyTorch golden vectors (training/findcolor_train/golden.py),
/// on both backends. Tolerance: 1e-3 in Lab ab units; bin logits 1e-3.
@Suite(.serialized) struct NetworkParity {
    @Test(arguments: [Backend.reference, Backend.oneDNN])
    func matchesPyTorchGoldens(backend: Backend) throws {
        let colorizer = try Colorizer(modelURL: Repo.model, backend: backend)
        let golden = try SafeTensorsFile(contentsOf: Repo.golden)
        for name in ["auto_64x64", "hints_64x96", "bins_32x32"] {
            let shape = golden.tensors["\(name).L"]!.shape  // H, W, 1
            let (H, W) = (shape[0], shape[1])
            let L = Tensor(shape: TensorShape(n: 1, h: H, w: W, c: 1), values: try golden.floats("\(name).L"))
            let hints = Tensor(shape: TensorShape(n: 1, h: H, w: W, c: 3), values: try golden.floats("\(name).hint"))
            let wantLogits = golden.tensors["\(name).logits"] != nil
            let (ab, logits) = colorizer.network(L: L, hints: hints, logits: wantLogits)
            let expected = try golden.floats("\(name).ab")
            let got = ab.scalars
            #expect(got.count == expected.count)
            let maxDiff = zip(got, expected).map { abs($0 - $1) }.max()! * colorizer.config.input.ab_scale
            #expect(maxDiff <= 1e-3, "\(name) on \(backend): max |Δab| = \(maxDiff)")
            if wantLogits, let logits {
                let e = try golden.floats("\(name).logits")
                let d = zip(logits.scalars, e).map { abs($0 - $1) }.max()!
                #expect(d <= 1e-3, "\(name) logits on \(backend): max |Δ| = \(d)")
            }
        }
    }

    @Test func configurationIsComplete() {
        let c = Shared.colorizer.config
        #expect(c.n_bins == c.bin_centres.count && c.n_bins > 100)
        #expect(c.input.multiple_of == 32 && c.input.ab_scale == 110)
    }
}

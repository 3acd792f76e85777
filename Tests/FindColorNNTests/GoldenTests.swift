import Foundation
import Testing
@testable import FindColorNN

/// PyTorch-computed goldens from training/golden_ops.py (Fixtures/golden_ops.safetensors).
struct GoldenCase: Decodable, Sendable {
    var op: String
    var stride: Int?
    var padding: [Int]?
    var groups: Int?
    var activation: String?
    var height: Int?
    var width: Int?
    var factor: Int?
    var null_logit: Float?
    var distance_slope: Float?
}

enum Goldens {
    static func load() throws -> (SafeTensorsFile, [String: GoldenCase]) {
        let url = try #require(fixtureURL("golden_ops", "safetensors"), "golden fixture missing")
        let file = try SafeTensorsFile(contentsOf: url)
        let json = try #require(file.metadata["cases"], "fixture has no 'cases' metadata")
        let cases = try JSONDecoder().decode([String: GoldenCase].self, from: Data(json.utf8))
        return (file, cases)
    }

    static func nhwc(_ file: SafeTensorsFile, _ name: String) throws -> Tensor {
        let info = try #require(file.tensors[name], "missing \(name)")
        try #require(info.shape.count == 4)
        let s = info.shape
        return Tensor(shape: TensorShape(n: s[0], h: s[1], w: s[2], c: s[3]), values: try file.floats(name))
    }

    /// Runs one golden case on a backend.
    static func run(_ name: String, _ c: GoldenCase, _ file: SafeTensorsFile, backend: Backend) throws -> Tensor {
        switch c.op {
        case "conv":
            let x = try nhwc(file, "\(name).input")
            let weight = try #require(file.tensors["\(name).weight"])
            let p = try #require(c.padding)
            let groups = c.groups ?? 1
            let d = ConvolutionDescriptor(
                inputChannels: x.c, outputChannels: weight.shape[0], kernelHeight: weight.shape[2],
                kernelWidth: weight.shape[3], strideY: c.stride ?? 1, strideX: c.stride ?? 1,
                padding: .explicit(ConvPadding(top: p[0], left: p[1], bottom: p[2], right: p[3])), groups: groups,
                activation: try #require(Activation(rawValue: c.activation ?? "none")))
            let layer = try Convolution(d, weights: try file.floats("\(name).weight"),
                                        bias: try file.floats("\(name).bias"), backend: backend)
            return layer(x)
        case "resize":
            return Ops.resizeBilinear(try nhwc(file, "\(name).input"), height: try #require(c.height),
                                      width: try #require(c.width), backend: backend)
        case "hintpool":
            return Ops.hintPool(try nhwc(file, "\(name).hints"), factor: try #require(c.factor))
        case "hintattention":
            return Ops.hintAttention(query: try nhwc(file, "\(name).query"), key: try nhwc(file, "\(name).key"),
                                     hints: try nhwc(file, "\(name).hints"), nullLogit: try #require(c.null_logit),
                                     distanceSlope: c.distance_slope ?? 0)
        default:
            Issue.record("unknown golden op \(c.op)")
            return try nhwc(file, "\(name).output")
        }
    }
}

@Suite("PyTorch goldens")
struct GoldenTests {
    @Test("the fixture holds every case golden_ops.py writes")
    func fixtureContents() throws {
        let (_, cases) = try Goldens.load()
        #expect(cases.count >= 18)
        #expect(Set(cases.values.map(\.op)) == ["conv", "resize", "hintpool", "hintattention"])
    }

    @Test("kernels match PyTorch (max abs diff ≤ 1e-4)", arguments: Backend.allCases)
    func matchPyTorch(_ backend: Backend) throws {
        let (file, cases) = try Goldens.load()
        for name in cases.keys.sorted() {
            let c = cases[name]!
            let expected = try Goldens.nhwc(file, "\(name).output")
            let actual = try Goldens.run(name, c, file, backend: backend)
            #expect(actual.shape == expected.shape, "\(name)")
            guard actual.shape == expected.shape else { continue }
            let difference = maxAbsDifference(actual.scalars, expected.scalars)
            #expect(difference <= 1e-4, "\(name) on \(backend): max abs diff \(difference)")
        }
    }
}

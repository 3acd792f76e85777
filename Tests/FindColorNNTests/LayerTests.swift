import Foundation
import Testing
@testable import FindColorNN
import FindColorTestSupport

@Suite("Layers and weight store")
struct LayerTests {
    /// A store with one conv, one depthwise conv and a 1×1 head, as PyTorch would export them.
    static func makeStore() -> WeightStore {
        var g = SplitMix64(seed: 99)
        return WeightStore([
            "enc.0.0.weight": WeightArray(shape: [8, 3, 3, 3], values: g.floats(8 * 3 * 9)),
            "enc.0.0.bias": WeightArray(shape: [8], values: g.floats(8)),
            "dec.dw.weight": WeightArray(shape: [8, 1, 3, 3], values: g.floats(8 * 9)),
            "dec.dw.bias": WeightArray(shape: [8], values: g.floats(8)),
            "head.weight": WeightArray(shape: [2, 8, 1, 1], values: g.floats(16)),
        ], metadata: ["findcolor": "{}"])
    }

    @Test("Conv2d applies stride, default padding, bias and the activation", arguments: Backend.allCases)
    func convWithActivation(_ backend: Backend) throws {
        let store = Self.makeStore()
        let conv = try Conv2d(store, "enc.0.0", stride: 2, activation: .relu6, backend: backend)
        #expect(conv.descriptor.padding == .explicit(.symmetric(1)))
        let x = Tensor.random(TensorShape(h: 9, w: 10, c: 3), seed: 4)
        let y = conv(x)
        let plain = ConvolutionDescriptor(inputChannels: 3, outputChannels: 8, kernelSize: 3, stride: 2,
                                          padding: .explicit(.symmetric(1)))
        let z = naiveConvolution(x, weights: store["enc.0.0.weight"]!.values, bias: store["enc.0.0.bias"]!.values, plain)
        let expected = Tensor(shape: z.shape) { n, yy, xx, c in min(max(z[n, yy, xx, c], 0), 6) }
        #expect(y.shape == TensorShape(h: 5, w: 5, c: 8))
        #expect(relativeError(y, expected) <= 1e-4)
    }

    /// The network's d2.0.0: a 1×1 convolution with ReLU over [up2(x4), s0, hints] computed as its
    /// x4 part at the low resolution, upsampled, and added to the rest before the ReLU.
    @Test("a 1×1 Conv2d split by input channels: low-resolution part upsampled plus the rest equals the whole",
          arguments: Backend.allCases)
    func splitPointwise(_ backend: Backend) throws {
        var g = SplitMix64(seed: 5)
        let store = WeightStore([
            "d.weight": WeightArray(shape: [6, 11, 1, 1], values: g.floats(66, in: -0.5...0.5)),
            "d.bias": WeightArray(shape: [6], values: g.floats(6, in: -0.5...0.5)),
            "k.weight": WeightArray(shape: [6, 11, 3, 3], values: g.floats(594)),
            "k.bias": WeightArray(shape: [6], values: g.floats(6, in: -0.5...0.5)),
        ])
        let whole = try Conv2d(store, "d", activation: .relu, backend: backend)
        let low = try Conv2d(store, "d", inputChannels: 0..<7, biasAndActivation: false, backend: backend)
        let rest = try Conv2d(store, "d", inputChannels: 7..<11, biasAndActivation: true, activation: .relu, backend: backend)
        #expect(low.descriptor.activation == .none && rest.descriptor.activation == .relu)
        let coarse = Tensor.random(TensorShape(h: 5, w: 6, c: 7), seed: 1)
        let skip = Tensor.random(TensorShape(h: 10, w: 12, c: 4), seed: 2)
        let up = { (t: Tensor) in Ops.resizeBilinear(t, height: 10, width: 12, backend: backend) }
        let expected = whole(Ops.concat([up(coarse), skip], backend: backend))
        let split = rest(skip, adding: up(low(coarse)))
        #expect(relativeError(split, expected) <= 1e-5)
        #expect(split.scalars.contains { $0 == 0 } && split.scalars.contains { $0 > 0 })  // the ReLU acted
        // any kernel and stride splits the same way (the encoder's L-only stem: 3×3, stride 2)
        let kWhole = try Conv2d(store, "k", stride: 2, activation: .relu6, backend: backend)
        let kLow = try Conv2d(store, "k", inputChannels: 0..<3, stride: 2, biasAndActivation: false, backend: backend)
        let kRest = try Conv2d(store, "k", inputChannels: 3..<11, stride: 2, biasAndActivation: true, activation: .relu6,
                               backend: backend)
        let a = Tensor.random(TensorShape(h: 9, w: 8, c: 3), seed: 3), b = Tensor.random(TensorShape(h: 9, w: 8, c: 8), seed: 4)
        #expect(relativeError(kRest(b, adding: kLow(a)), kWhole(Ops.concat([a, b], backend: backend))) <= 1e-5)
        // only within the layer's channels
        #expect(throws: NNError.self) { try Conv2d(store, "d", inputChannels: 7..<12, biasAndActivation: true) }
    }

    @Test("a depthwise Conv2d and a bias-free 1×1 Conv2d", arguments: Backend.allCases)
    func depthwiseAndPointwise(_ backend: Backend) throws {
        let store = Self.makeStore()
        let dw = try Conv2d(store, "dec.dw", groups: 8, activation: .relu, backend: backend)
        #expect(dw.descriptor.isDepthwise)
        let head = try Conv2d(store, "head", activation: .tanh, backend: backend)
        let x = Tensor.random(TensorShape(h: 6, w: 7, c: 8), seed: 8)
        let y = head(dw(x))
        let dwExpected = naiveConvolution(x, weights: store["dec.dw.weight"]!.values,
                                          bias: store["dec.dw.bias"]!.values, dw.descriptor)
        let expected = naiveConvolution(dwExpected, weights: store["head.weight"]!.values, bias: nil, head.descriptor)
        #expect(relativeError(y, expected) <= 1e-4)
    }

    /// `LayerProfile.measure` records each named layer and op once per call, in call order, with its
    /// kind and output shape; outside a measurement nothing is recorded and results are the same.
    @Test("the layer profile names layers and ops and changes no result")
    func layerProfile() throws {
        let store = Self.makeStore()
        let conv = try Conv2d(store, "enc.0.0", stride: 2, activation: .relu6)
        let dw = try Conv2d(store, "dec.dw", groups: 8, activation: .relu)
        let head = try Conv2d(store, "head")
        let x = Tensor.random(TensorShape(h: 16, w: 16, c: 3), seed: 5)
        func forward() -> Tensor { head(Ops.add(dw(conv(x)), dw(conv(x)))) }
        let plain = forward()
        let (profiled, entries) = LayerProfile.measure { forward() }
        #expect(profiled.shape == plain.shape && relativeError(profiled, plain) == 0)
        #expect(entries.map(\.name) == ["enc.0.0", "dec.dw", "add 8×8×8", "head"])
        #expect(entries.map(\.kind) == ["conv 3×3 /2", "depthwise 3×3", "add", "conv 1×1"])
        #expect(entries.map(\.calls) == [2, 2, 1, 1])
        #expect(entries.first { $0.name == "head" }?.output == "8×8×2")
        #expect(entries.allSatisfy { $0.milliseconds >= 0 })
        #expect(LayerProfile.recorder == nil)
        // Layers run on another thread during a measurement are not counted (other work in the process).
        let (_, own) = LayerProfile.measure { () -> Tensor in
            let done = DispatchSemaphore(value: 0)
            Thread { _ = dw(Tensor.random(TensorShape(h: 5, w: 5, c: 8), seed: 9)); done.signal() }.start()
            done.wait()
            return head(dw(conv(x)))
        }
        #expect(own.map(\.name) == ["enc.0.0", "dec.dw", "head"])
        #expect(own.map(\.calls) == [1, 1, 1])
    }

    @Test("missing and mis-shaped weights throw")
    func weightErrors() throws {
        let store = Self.makeStore()
        #expect(throws: NNError.missingWeight("dec.nothing.weight")) { try Conv2d(store, "dec.nothing") }
        #expect(throws: NNError.weightShapeMismatch(name: "head.weight", expected: [3, 8, 1, 1], actual: [2, 8, 1, 1])) {
            try store.require("head.weight", shape: [3, 8, 1, 1])
        }
        #expect(throws: NNError.self) { try Conv2d(store, "dec.dw", groups: 3) }
        #expect(store["head.weight"]?.shape == [2, 8, 1, 1])
        #expect(store["nope"] == nil)
        #expect(store.metadata["findcolor"] == "{}")
    }

    @Test("a weight store loads a safetensors file with F16 weights")
    func storeFromFile() throws {
        var writer = SafeTensorsWriter(metadata: ["findcolor": #"{"arch":"test"}"#])
        writer.add("c.weight", shape: [4, 2, 1, 1], values: [1, 2, 3, 4, 5, 6, 7, 8], dtype: .F16)
        writer.add("c.bias", shape: [4], values: [0.5, -0.5, 0, 1], dtype: .BF16)
        let url = temporaryFile(".safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try writer.write(to: url)
        let store = try WeightStore(contentsOf: url)
        let conv = try Conv2d(store, "c", backend: .reference)
        let y = conv(Tensor(shape: TensorShape(h: 1, w: 1, c: 2), values: [1, 1]))
        #expect(y.scalars == [3.5, 6.5, 11, 16])
    }

    /// A small synthetic file with two tensors no layer takes: `verifyAllUsed` names them (mlx-swift's
    /// `verify: .noUnusedKeys`); once every tensor is taken it passes.
    @Test("weights no layer uses are an error naming them")
    func unusedWeightsAreNamed() throws {
        var writer = SafeTensorsWriter(metadata: ["findcolor": #"{"arch":"test"}"#])
        writer.add("c.weight", shape: [2, 2, 1, 1], values: [1, 0, 0, 1])
        writer.add("c.bias", shape: [2], values: [0, 1])
        writer.add("stale.weight", shape: [1, 1, 1, 1], values: [3])
        writer.add("c.running_mean", shape: [2], values: [0, 0])
        let url = temporaryFile(".safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try writer.write(to: url)
        let store = try WeightStore(contentsOf: url)
        #expect(store.unusedNames == ["c.bias", "c.running_mean", "c.weight", "stale.weight"])
        _ = try Conv2d(store, "c", backend: .reference)
        #expect(store.unusedNames == ["c.running_mean", "stale.weight"])
        #expect(throws: NNError.unusedWeights(["c.running_mean", "stale.weight"])) { try store.verifyAllUsed() }
        #expect(NNError.unusedWeights(["c.running_mean", "stale.weight"]).description
                == "2 weight(s) the network does not use: 'c.running_mean', 'stale.weight'")
        _ = try store.require("c.running_mean")
        _ = try store.require("stale.weight")
        try store.verifyAllUsed()
    }
}

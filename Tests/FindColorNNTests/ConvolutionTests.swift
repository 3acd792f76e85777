import Foundation
import Testing
@testable import FindColorNN

/// A convolution configuration exercised on random data.
struct ConvCase: CustomStringConvertible, Sendable {
    var name: String
    var n = 1
    var h: Int
    var w: Int
    var descriptor: ConvolutionDescriptor

    var description: String { name }

    static func make(_ name: String, n: Int = 1, h: Int, w: Int, cin: Int, cout: Int, k: Int, kw: Int? = nil,
                     stride: Int = 1, strideX: Int? = nil, padding: PaddingRule, groups: Int = 1,
                     activation: Activation = .none) -> ConvCase {
        ConvCase(name: name, n: n, h: h, w: w,
                 descriptor: ConvolutionDescriptor(inputChannels: cin, outputChannels: cout, kernelHeight: k,
                                                   kernelWidth: kw ?? k, strideY: stride, strideX: strideX ?? stride,
                                                   padding: padding, groups: groups, activation: activation))
    }

    var input: Tensor { Tensor.random(TensorShape(n: n, h: h, w: w, c: descriptor.inputChannels), seed: 3) }

    var parameters: (weights: [Float], bias: [Float]) {
        var generator = SplitMix64(seed: UInt64(name.utf8.reduce(17) { $0 &* 31 &+ Int($1) }.magnitude))
        let fanIn = Float(descriptor.inputChannelsPerGroup * descriptor.kernelHeight * descriptor.kernelWidth)
        let bound = 1.5 / fanIn.squareRoot()
        return (generator.floats(descriptor.weightCount, in: -bound...bound),
                generator.floats(descriptor.outputChannels, in: -0.5...0.5))
    }
}

let symmetric1 = PaddingRule.explicit(.symmetric(1))

let convCases: [ConvCase] = [
    .make("3x3 s1 16->16", h: 12, w: 14, cin: 16, cout: 16, k: 3, padding: symmetric1),
    .make("3x3 s1 odd 5->7 relu", h: 9, w: 11, cin: 5, cout: 7, k: 3, padding: symmetric1, activation: .relu),
    .make("3x3 s1 35->37 relu6", h: 13, w: 17, cin: 35, cout: 37, k: 3, padding: symmetric1, activation: .relu6),
    .make("3x3 s1 8->24 tanh", h: 8, w: 8, cin: 8, cout: 24, k: 3, padding: symmetric1, activation: .tanh),
    .make("3x3 s2 16->32 relu", h: 15, w: 16, cin: 16, cout: 32, k: 3, stride: 2, padding: symmetric1, activation: .relu),
    .make("3x3 s2 asym TF-same 3->32", h: 17, w: 20, cin: 3, cout: 32, k: 3, stride: 2,
          padding: .explicit(ConvPadding(top: 0, left: 0, bottom: 1, right: 1)), activation: .relu6),
    .make("3x3 s2 rule same odd", h: 11, w: 13, cin: 6, cout: 10, k: 3, stride: 2, padding: .same),
    .make("3x3 asym pad 2-0-1-3", h: 7, w: 9, cin: 4, cout: 20, k: 3,
          padding: .explicit(ConvPadding(top: 2, left: 0, bottom: 1, right: 3))),
    .make("3x3 stem 1->32 s2", h: 33, w: 31, cin: 1, cout: 32, k: 3, stride: 2, padding: symmetric1, activation: .relu6),
    .make("1x1 96->24", h: 10, w: 13, cin: 96, cout: 24, k: 1, padding: .explicit(.zero)),
    .make("1x1 24->144 relu6", h: 7, w: 7, cin: 24, cout: 144, k: 1, padding: .explicit(.zero), activation: .relu6),
    .make("1x1 s2 16->8", h: 9, w: 10, cin: 16, cout: 8, k: 1, stride: 2, padding: .explicit(.zero)),
    .make("5x5 s1 6->9", h: 10, w: 9, cin: 6, cout: 9, k: 5, padding: .explicit(.symmetric(2)), activation: .tanh),
    .make("3x1 stride 2x1", h: 9, w: 8, cin: 5, cout: 11, k: 3, kw: 1, stride: 2, strideX: 1,
          padding: .explicit(ConvPadding(top: 1, left: 0, bottom: 1, right: 0))),
    .make("3x3 narrow w=2", h: 5, w: 2, cin: 4, cout: 18, k: 3, padding: symmetric1),
    .make("3x3 batch 2", n: 2, h: 6, w: 9, cin: 7, cout: 17, k: 3, padding: symmetric1, activation: .relu),
    .make("3x3 no pad", h: 8, w: 10, cin: 12, cout: 16, k: 3, padding: .explicit(.zero)),
    .make("dw 3x3 s1 32 relu6", h: 14, w: 15, cin: 32, cout: 32, k: 3, padding: symmetric1, groups: 32, activation: .relu6),
    .make("dw 3x3 s2 96", h: 13, w: 12, cin: 96, cout: 96, k: 3, stride: 2, padding: symmetric1, groups: 96),
    .make("dw 3x3 s2 TF-same 24", h: 16, w: 17, cin: 24, cout: 24, k: 3, stride: 2,
          padding: .explicit(ConvPadding(top: 0, left: 1, bottom: 1, right: 1)), groups: 24, activation: .relu),
    .make("dw 3x3 odd channels 19 tanh", h: 7, w: 9, cin: 19, cout: 19, k: 3, padding: symmetric1, groups: 19,
          activation: .tanh),
    .make("dw 3x3 rule same", h: 10, w: 11, cin: 16, cout: 16, k: 3, stride: 2, padding: .same, groups: 16),
    .make("dw 5x5 s2 40", h: 15, w: 14, cin: 40, cout: 40, k: 5, stride: 2, padding: .explicit(.symmetric(2)),
          groups: 40, activation: .relu6),
    .make("dw 3x3 tiny 2x2", h: 2, w: 2, cin: 8, cout: 8, k: 3, padding: symmetric1, groups: 8),
    .make("grouped 3x3 g2 8->6", h: 6, w: 7, cin: 8, cout: 6, k: 3, padding: symmetric1, groups: 2),
    .make("grouped 3x3 g4 32->64 s2", h: 9, w: 11, cin: 32, cout: 64, k: 3, stride: 2, padding: symmetric1, groups: 4,
          activation: .relu),
    .make("dw multiplier 2", h: 6, w: 6, cin: 8, cout: 16, k: 3, padding: symmetric1, groups: 8),
]

@Suite("Convolution")
struct ConvolutionTests {
    @Test("reference kernel matches a naive convolution", arguments: convCases)
    func referenceMatchesNaive(_ c: ConvCase) throws {
        let (weights, bias) = c.parameters
        let layer = try Convolution(c.descriptor, weights: weights, bias: bias, backend: .reference)
        #expect(layer.backend == .reference)
        let expected = naiveConvolution(c.input, weights: weights, bias: bias, c.descriptor)
        let actual = layer(c.input)
        #expect(actual.shape == expected.shape)
        #expect(relativeError(actual, expected) <= 1e-5)
    }

    @Test("oneDNN matches the reference kernel", arguments: convCases)
    func oneDNNMatchesReference(_ c: ConvCase) throws {
        try #require(OneDNN.isAvailable, "oneDNN did not initialise")
        let (weights, bias) = c.parameters
        let fast = try Convolution(c.descriptor, weights: weights, bias: bias, backend: .oneDNN)
        #expect(fast.backend == .oneDNN)
        let reference = try Convolution(c.descriptor, weights: weights, bias: bias, backend: .reference)
        let expected = reference(c.input)
        let actual = fast(c.input)
        #expect(actual.shape == expected.shape)
        #expect(relativeError(actual, expected) <= 1e-4)
    }

    @Test("convolution without bias", arguments: [Backend.reference, .oneDNN])
    func noBias(_ backend: Backend) throws {
        let c = ConvCase.make("no bias", h: 6, w: 7, cin: 5, cout: 9, k: 3, padding: symmetric1)
        let (weights, _) = c.parameters
        let layer = try Convolution(c.descriptor, weights: weights, bias: nil, backend: backend)
        let expected = naiveConvolution(c.input, weights: weights, bias: nil, c.descriptor)
        #expect(relativeError(layer(c.input), expected) <= 1e-4)
    }

    @Test("one layer serves several input shapes (plans cached per shape)", arguments: [Backend.reference, .oneDNN])
    func severalShapes(_ backend: Backend) throws {
        let d = ConvolutionDescriptor(inputChannels: 8, outputChannels: 16, kernelSize: 3, stride: 2, padding: .same,
                                      activation: .relu)
        var generator = SplitMix64(seed: 5)
        let weights = generator.floats(d.weightCount, in: -0.3...0.3)
        let bias = generator.floats(16)
        let layer = try Convolution(d, weights: weights, bias: bias, backend: backend)
        for (h, w) in [(16, 16), (9, 14), (16, 16), (5, 3), (64, 70)] {
            let x = Tensor.random(TensorShape(h: h, w: w, c: 8), seed: UInt64(h * 100 + w))
            let y = layer(x)
            #expect(y.shape == TensorShape(h: (h + 1) / 2, w: (w + 1) / 2, c: 16))
            #expect(relativeError(y, naiveConvolution(x, weights: weights, bias: bias, d)) <= 1e-4)
        }
    }

    @Test("reference results do not depend on the thread count")
    func threadCountInvariance() throws {
        let c = ConvCase.make("threads", h: 23, w: 19, cin: 16, cout: 24, k: 3, padding: symmetric1, activation: .relu)
        let (weights, bias) = c.parameters
        let layer = try Convolution(c.descriptor, weights: weights, bias: bias, backend: .reference)
        let one = withThreadCount(1) { layer(c.input) }
        let three = withThreadCount(3) { layer(c.input) }
        #expect(one.scalars == three.scalars)
    }

    @Test("packed weights unpack to the original OIHW weights", arguments: [Backend.reference, .oneDNN])
    func unpacking(_ backend: Backend) throws {
        for c in convCases where c.name.hasPrefix("dw 3x3 s2 96") || c.name.hasPrefix("grouped 3x3 g4")
            || c.name.hasPrefix("3x3 s1 35") {
            let (weights, bias) = c.parameters
            let kernel: ConvolutionKernel
            if backend == .reference {
                kernel = ReferenceConvolution(c.descriptor, weights: weights, bias: bias)
            } else {
                let runtime = try #require(OneDNNRuntime.shared)
                kernel = try OneDNNConvolution(c.descriptor, weights: weights, bias: bias, runtime: runtime)
            }
            let unpacked = try kernel.unpackedParameters()
            #expect(unpacked.weights == weights)
            #expect(unpacked.bias == bias)
        }
    }

    /// The network's decoder has shapes (262 input channels at 16×16, a 960→320 1×1 at 8×8) for which
    /// the weight layout packed at the nominal size is accepted only by oneDNN's reference
    /// implementation, 30–50× slower than its JIT kernels (it made a 256² forward take 1.3 s).
    @Test("oneDNN never runs a network shape on its slow reference implementation")
    func noReferenceImplementation() throws {
        let runtime = try #require(OneDNNRuntime.shared)
        let shapes: [(ConvolutionDescriptor, TensorShape)] = [
            (ConvolutionDescriptor(inputChannels: 262, outputChannels: 128, kernelSize: 3, padding: .explicit(.symmetric(1)), activation: .relu),
             TensorShape(h: 16, w: 16, c: 262)),
            (ConvolutionDescriptor(inputChannels: 960, outputChannels: 320, kernelSize: 1), TensorShape(h: 8, w: 8, c: 960)),
            (ConvolutionDescriptor(inputChannels: 262, outputChannels: 128, kernelSize: 3, padding: .explicit(.symmetric(1)), activation: .relu),
             TensorShape(h: 48, w: 40, c: 262)),
        ]
        for (d, shape) in shapes {
            var generator = SplitMix64(seed: 9)
            let weights = generator.floats(d.weightCount, in: -0.1...0.1)
            let bias = generator.floats(d.outputChannels)
            let kernel = try OneDNNConvolution(d, weights: weights, bias: bias, runtime: runtime)
            let impl = try kernel.implementation(for: shape)
            #expect(!impl.hasPrefix("ref"), "\(shape): \(impl)")
            let x = Tensor.random(shape, seed: 3)
            #expect(relativeError(try kernel.run(x), naiveConvolution(x, weights: weights, bias: bias, d)) <= 1e-4)
        }
    }

    /// activation(convolution + residual): MobileNetV2's residual connection (the project 1×1, no
    /// activation) and the network's d2.0.0 split in two (a 1×1 with ReLU plus an upsampled part),
    /// fused into oneDNN's convolution as a binary post-op before the activation. Equal to the naive
    /// convolution without activation, plus the residual, then the activation, on every backend.
    @Test("convolution plus a residual, then the activation, equals the naive sum",
          arguments: [convCases[9], convCases[0], convCases[1], convCases[2], convCases[3], convCases[15]])
    func residualAddition(_ c: ConvCase) throws {
        let (weights, bias) = c.parameters
        let outShape = try #require(c.descriptor.outputShape(for: c.input.shape))
        let residual = Tensor.random(outShape, seed: 11)
        var linear = c.descriptor
        linear.activation = .none
        let naive = naiveConvolution(c.input, weights: weights, bias: bias, linear)
        let expected = Tensor(shape: outShape) { n, y, x, ch in
            let v = naive[n, y, x, ch] + residual[n, y, x, ch]
            switch c.descriptor.activation {
            case .none: return v
            case .relu: return max(v, 0)
            case .relu6: return min(max(v, 0), 6)
            case .tanh: return Foundation.tanh(v)
            }
        }
        for backend in [Backend.reference, .oneDNN] {
            let layer = try Convolution(c.descriptor, weights: weights, bias: bias, backend: backend)
            let fused = layer(c.input, adding: residual)
            #expect(fused.shape == outShape)
            #expect(relativeError(fused, expected) <= 1e-4, "\(backend)")
            // the layer still runs without a residual as before
            #expect(relativeError(layer(c.input), naiveConvolution(c.input, weights: weights, bias: bias, c.descriptor)) <= 1e-4)
        }
        if let runtime = OneDNNRuntime.shared, c.descriptor.kernelHeight == 1 || c.descriptor.activation == .relu {
            // 1×1 (the network's residual shape) and 3×3 with ReLU: oneDNN fuses them with a JIT kernel.
            let kernel = try OneDNNConvolution(c.descriptor, weights: weights, bias: bias, runtime: runtime)
            let sum = try #require(try kernel.run(c.input, adding: residual))
            #expect(relativeError(sum, expected) <= 1e-4)
        }
    }

    /// The network's last step, tanh(refine2(r) + coarse ab), in the narrow kernel's one pass.
    @Test("the narrow 16→2 kernel adds a residual before its activation", arguments: [Activation.none, .tanh])
    func narrowKernelWithResidual(_ activation: Activation) throws {
        let c = ConvCase.make("narrow residual", n: 2, h: 9, w: 13, cin: 16, cout: 2, k: 3, padding: symmetric1, activation: activation)
        let (weights, bias) = c.parameters
        var linear = c.descriptor
        linear.activation = .none
        let naive = naiveConvolution(c.input, weights: weights, bias: bias, linear)
        let residual = Tensor.random(naive.shape, seed: 21, in: -1...1)
        let expected = Tensor(shape: naive.shape) { n, y, x, ch in
            let v = naive[n, y, x, ch] + residual[n, y, x, ch]
            return activation == .tanh ? Foundation.tanh(v) : v
        }
        for backend in [Backend.reference, .oneDNN] {
            let layer = try Convolution(c.descriptor, weights: weights, bias: bias, backend: backend)
            #expect(relativeError(layer(c.input, adding: residual), expected) <= 1e-5, "\(backend)")
        }
    }

    /// The 16 → 2 channel 3×3 kernel of the network's last layer (`NarrowConvolution`), on both
    /// backends, against the naive convolution: borders, batches, every activation.
    @Test("the narrow 3×3 16→2 kernel matches the naive convolution", arguments: Activation.allCases)
    func narrowKernel(_ activation: Activation) throws {
        let d = ConvolutionDescriptor(inputChannels: 16, outputChannels: 2, kernelSize: 3,
                                      padding: .explicit(.symmetric(1)), activation: activation)
        #expect(NarrowConvolution.supports(d))
        #expect(!NarrowConvolution.supports(ConvolutionDescriptor(inputChannels: 16, outputChannels: 3, kernelSize: 3,
                                                                  padding: .explicit(.symmetric(1)))))
        #expect(!NarrowConvolution.supports(ConvolutionDescriptor(inputChannels: 16, outputChannels: 2, kernelSize: 3, stride: 2,
                                                                  padding: .explicit(.symmetric(1)))))
        var generator = SplitMix64(seed: 21)
        let weights = generator.floats(d.weightCount, in: -0.3...0.3)
        let bias = generator.floats(2)
        for backend in Backend.allCases {
            let conv = try Convolution(d, weights: weights, bias: bias, backend: backend)
            for shape in [TensorShape(n: 2, h: 7, w: 9, c: 16), TensorShape(h: 1, w: 1, c: 16), TensorShape(h: 33, w: 64, c: 16)] {
                let x = Tensor.random(shape, seed: 5)
                #expect(relativeError(conv(x), naiveConvolution(x, weights: weights, bias: bias, d)) <= 1e-5, "\(backend) \(shape)")
            }
        }
    }

    /// The 3×3 kernel to 8 channels (`OctetConvolution`, the defect detector's last full-resolution
    /// layer) against the naive convolution on both backends: borders, widths that are not multiples
    /// of its 8-pixel blocks, a batch, every activation, an added residual, and its input given as
    /// the parts of a concatenation (read in place) against the concatenated tensor.
    /// Tolerance: 1e-5 of the output's largest magnitude.
    @Test("the 3×3 kernel to 8 channels matches the naive convolution, its parts the concatenation", arguments: Activation.allCases)
    func octetKernel(_ activation: Activation) throws {
        let d = ConvolutionDescriptor(inputChannels: 24, outputChannels: 8, kernelSize: 3,
                                      padding: .explicit(.symmetric(1)), activation: activation)
        #expect(OctetConvolution.supports(d))
        #expect(!OctetConvolution.supports(ConvolutionDescriptor(inputChannels: 24, outputChannels: 9, kernelSize: 3,
                                                                 padding: .explicit(.symmetric(1)))))
        #expect(!OctetConvolution.supports(ConvolutionDescriptor(inputChannels: 24, outputChannels: 8, kernelSize: 3, stride: 2,
                                                                 padding: .explicit(.symmetric(1)))))
        #expect(!OctetConvolution.supports(ConvolutionDescriptor(inputChannels: 1, outputChannels: 8, kernelSize: 3,
                                                                 padding: .explicit(.symmetric(1)))))
        var generator = SplitMix64(seed: 33)
        let weights = generator.floats(d.weightCount, in: -0.3...0.3)
        let bias = generator.floats(8)
        for backend in Backend.allCases {
            let conv = try Convolution(d, weights: weights, bias: bias, backend: backend)
            for shape in [TensorShape(n: 2, h: 7, w: 9, c: 24), TensorShape(h: 1, w: 1, c: 24), TensorShape(h: 5, w: 8, c: 24),
                          TensorShape(h: 33, w: 67, c: 24)] {
                let x = Tensor.random(shape, seed: 6)
                let expected = naiveConvolution(x, weights: weights, bias: bias, d)
                #expect(relativeError(conv(x), expected) <= 1e-5, "\(backend) \(shape)")
                // The same input as two parts (16 + 8 channels), as the detector's d0 reads it.
                let a = Tensor(shape: TensorShape(n: shape.n, h: shape.h, w: shape.w, c: 16)) { n, y, xx, c in x[n, y, xx, c] }
                let b = Tensor(shape: TensorShape(n: shape.n, h: shape.h, w: shape.w, c: 8)) { n, y, xx, c in x[n, y, xx, 16 + c] }
                #expect(relativeError(conv(concatenating: [a, b]), expected) <= 1e-5, "\(backend) \(shape) parts")
                let residual = Tensor.random(expected.shape, seed: 8)
                let linear = try Convolution(ConvolutionDescriptor(inputChannels: 24, outputChannels: 8, kernelSize: 3,
                                                                   padding: .explicit(.symmetric(1))),
                                             weights: weights, bias: bias, backend: backend)
                let sum = Ops.add(linear(x), residual)
                let withResidual = Tensor(shape: sum.shape) { n, y, xx, c in
                    let v = sum[n, y, xx, c]
                    switch activation {
                    case .none: return v
                    case .relu: return max(v, 0)
                    case .relu6: return min(max(v, 0), 6)
                    case .tanh: return Foundation.tanh(v)
                    }
                }
                #expect(relativeError(conv(x, adding: residual), withResidual) <= 1e-5, "\(backend) \(shape) residual")
            }
        }
    }

    /// Winograd F(4×4, 3×3) (`WinogradConvolution`, the oneDNN backend's kernel for wide 3×3
    /// stride-1 layers) against the naive convolution: several blocks of tiles (a 75×61 output has
    /// 19×16 = 304 tiles, blocks of 128), partial tiles at the right and bottom, channel counts that
    /// are not multiples of the 8-lane vectors, asymmetric and no padding, a batch of two, each
    /// activation it takes. Tolerance: 1e-5 of the output's largest magnitude (`relativeError`; its
    /// transforms round more than a direct sum).
    @Test("Winograd F(4x4, 3x3) matches the naive convolution")
    func winograd() throws {
        try #require(OneDNN.isAvailable, "oneDNN did not initialise")
        let cases: [ConvCase] = [
            .make("wino 126->64 relu", h: 75, w: 61, cin: 126, cout: 64, k: 3, padding: symmetric1, activation: .relu),
            .make("wino 35->37 relu6 batch", n: 2, h: 13, w: 17, cin: 35, cout: 37, k: 3, padding: symmetric1, activation: .relu6),
            .make("wino asym 20->19", h: 9, w: 10, cin: 20, cout: 19, k: 3,
                  padding: .explicit(ConvPadding(top: 2, left: 0, bottom: 1, right: 2))),
            .make("wino no pad 16->24", h: 6, w: 7, cin: 16, cout: 24, k: 3, padding: .explicit(.zero)),
            .make("wino tiny 32->32", h: 1, w: 2, cin: 32, cout: 32, k: 3, padding: symmetric1),
        ]
        for c in cases {
            #expect(WinogradConvolution.supports(c.descriptor))
            let (weights, bias) = c.parameters
            let kernel = WinogradConvolution(c.descriptor, weights: weights, bias: bias)
            let expected = naiveConvolution(c.input, weights: weights, bias: bias, c.descriptor)
            let actual = try kernel.run(c.input)
            #expect(actual.shape == expected.shape, "\(c)")
            let error = relativeError(actual, expected)
            #expect(error <= 1e-5, "\(c): \(error)")
            // The same input in parts read in place (`run(parts:)`, as the detector's d1 and d2 read
            // their concatenations): 8 channels, then 8 more, then the rest (any count, its last
            // vector partial where it is not a multiple of 8).
            let x = c.input
            let splits = x.c > 16 ? [0, 8, 16, x.c] : [0, 8, x.c]
            let parts = (0..<splits.count - 1).map { j in
                Tensor(shape: TensorShape(n: x.n, h: x.h, w: x.w, c: splits[j + 1] - splits[j])) { n, y, xx, ch in x[n, y, xx, splits[j] + ch] }
            }
            #expect(WinogradConvolution.readsInPlace(parts))
            let fromParts = try kernel.run(parts: parts)
            #expect(fromParts.scalars == actual.scalars, "\(c) parts")
        }
        // Parts whose vectors would straddle two parts are concatenated instead.
        #expect(!WinogradConvolution.readsInPlace([Tensor(n: 1, h: 2, w: 2, c: 12), Tensor(n: 1, h: 2, w: 2, c: 4)]))
        // What it does not take: strides, groups, 5×5, tanh, padding beyond 2.
        #expect(!WinogradConvolution.supports(ConvolutionDescriptor(inputChannels: 16, outputChannels: 16, kernelSize: 3, stride: 2, padding: symmetric1)))
        #expect(!WinogradConvolution.supports(ConvolutionDescriptor(inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: symmetric1, groups: 16)))
        #expect(!WinogradConvolution.supports(ConvolutionDescriptor(inputChannels: 16, outputChannels: 16, kernelSize: 5, padding: .explicit(.symmetric(2)))))
        #expect(!WinogradConvolution.supports(ConvolutionDescriptor(inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: symmetric1, activation: .tanh)))
        #expect(!WinogradConvolution.supports(ConvolutionDescriptor(inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: .explicit(.symmetric(3)))))
    }

    @Test("inconsistent configurations are rejected")
    func invalidConfigurations() {
        let badGroups = ConvolutionDescriptor(inputChannels: 6, outputChannels: 8, kernelSize: 3, groups: 4)
        #expect(throws: NNError.self) { try Convolution(badGroups, weights: [], bias: nil) }
        let d = ConvolutionDescriptor(inputChannels: 2, outputChannels: 2, kernelSize: 1)
        #expect(throws: NNError.self) { try Convolution(d, weights: [1, 2, 3], bias: nil) }
        #expect(throws: NNError.self) { try Convolution(d, weights: [1, 2, 3, 4], bias: [1]) }
    }

    @Test("TF SAME padding puts the odd pixel at the bottom and right")
    func samePadding() {
        let rule = PaddingRule.same
        #expect(rule.resolve(inputHeight: 10, inputWidth: 11, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2)
                == ConvPadding(top: 0, left: 1, bottom: 1, right: 1))
        #expect(rule.resolve(inputHeight: 8, inputWidth: 8, kernelHeight: 3, kernelWidth: 3, strideY: 1, strideX: 1)
                == .symmetric(1))
        #expect(rule.resolve(inputHeight: 9, inputWidth: 9, kernelHeight: 5, kernelWidth: 5, strideY: 2, strideX: 2)
                == .symmetric(2))
    }
}

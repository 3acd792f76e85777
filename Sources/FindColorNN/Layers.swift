/// Layers in the style of mlx-swift: small values created from named weights, applied with
/// `callAsFunction`. Convolutions pack their weights for the backend once, at creation.

/// Batch-norm statistics to fold into the preceding convolution at load:
/// y = (x − mean) · γ / √(var + ε) + β.
public struct BatchNormFolding: Sendable {
    public var prefix: String
    public var epsilon: Float

    /// Reads `<prefix>.weight`, `.bias`, `.running_mean`, `.running_var` (PyTorch naming).
    public init(_ prefix: String, epsilon: Float = 1e-5) {
        self.prefix = prefix
        self.epsilon = epsilon
    }

    /// Folds into OIHW weights and a bias.
    func fold(weights: [Float], bias: [Float]?, outputChannels: Int,
              from store: WeightStore) throws -> (weights: [Float], bias: [Float]) {
        let shape = [outputChannels]
        let gamma = try store.require("\(prefix).weight", shape: shape).values
        let beta = try store.require("\(prefix).bias", shape: shape).values
        let mean = try store.require("\(prefix).running_mean", shape: shape).values
        let variance = try store.require("\(prefix).running_var", shape: shape).values
        let perChannel = weights.count / outputChannels
        var folded = weights
        var foldedBias = [Float](repeating: 0, count: outputChannels)
        for o in 0..<outputChannels {
            let scale = gamma[o] / (variance[o] + epsilon).squareRoot()
            for i in 0..<perChannel { folded[o * perChannel + i] *= scale }
            foldedBias[o] = ((bias?[o] ?? 0) - mean[o]) * scale + beta[o]
        }
        return (folded, foldedBias)
    }
}

/// A 2-D convolution layer: `<name>.weight` (OIHW) and, if present, `<name>.bias`.
public struct Conv2d {
    public let convolution: Convolution

    public var descriptor: ConvolutionDescriptor { convolution.descriptor }

    /// - Parameters:
    ///   - padding: nil for PyTorch's `padding = kernel / 2` on every side.
    ///   - groups: 1 dense; the channel count for depthwise.
    ///   - batchNorm: a batch norm to fold into the weights.
    public init(_ weights: WeightStore, _ name: String, stride: Int = 1, padding: PaddingRule? = nil,
                groups: Int = 1, activation: Activation = .none, batchNorm: BatchNormFolding? = nil,
                backend: Backend = .default) throws {
        let weight = try weights.require("\(name).weight")
        guard weight.shape.count == 4 else {
            throw NNError.invalidConfiguration("'\(name).weight' must be OIHW, has shape \(weight.shape)")
        }
        let (cout, cinPerGroup, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        var bias = try weights.contains("\(name).bias") ? weights.require("\(name).bias", shape: [cout]).values : nil
        var values = weight.values
        if let batchNorm {
            let folded = try batchNorm.fold(weights: values, bias: bias, outputChannels: cout, from: weights)
            values = folded.weights
            bias = folded.bias
        }
        let descriptor = ConvolutionDescriptor(
            inputChannels: cinPerGroup * groups, outputChannels: cout, kernelHeight: kh, kernelWidth: kw,
            strideY: stride, strideX: stride,
            padding: padding ?? .explicit(ConvPadding(top: kh / 2, left: kw / 2, bottom: kh / 2, right: kw / 2)),
            groups: groups, activation: activation)
        convolution = try Convolution(descriptor, weights: values, bias: bias, backend: backend)
    }

    /// From explicit OIHW weights.
    public init(_ descriptor: ConvolutionDescriptor, weights: [Float], bias: [Float]?,
                backend: Backend = .default) throws {
        convolution = try Convolution(descriptor, weights: weights, bias: bias, backend: backend)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { convolution(x) }
}

/// A depthwise convolution layer (one filter per channel, weights `[C, 1, kh, kw]`).
public struct DepthwiseConv2d {
    public let convolution: Convolution

    public init(_ weights: WeightStore, _ name: String, stride: Int = 1, padding: PaddingRule? = nil,
                activation: Activation = .none, batchNorm: BatchNormFolding? = nil,
                backend: Backend = .default) throws {
        let weight = try weights.require("\(name).weight")
        guard weight.shape.count == 4, weight.shape[1] == 1 else {
            throw NNError.invalidConfiguration("'\(name).weight' must be [C, 1, kh, kw], has shape \(weight.shape)")
        }
        let conv = try Conv2d(weights, name, stride: stride, padding: padding, groups: weight.shape[0],
                              activation: activation, batchNorm: batchNorm, backend: backend)
        convolution = conv.convolution
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { convolution(x) }
}

/// Bilinear resize to a fixed factor of the input size (PyTorch `align_corners=False`).
public struct Upsample {
    public let factor: Int
    public let backend: Backend

    public init(factor: Int, backend: Backend = .default) {
        precondition(factor >= 1, "Upsample: factor must be at least 1")
        self.factor = factor
        self.backend = backend
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Ops.resizeBilinear(x, height: x.h * factor, width: x.w * factor, backend: backend)
    }
}

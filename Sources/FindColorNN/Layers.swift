/// Layers in the style of mlx-swift: small values created from named weights, applied with
/// `callAsFunction`. Convolutions pack their weights for the backend once, at creation.

/// A 2-D convolution layer: `<name>.weight` (OIHW) and, if present, `<name>.bias`.
public struct Conv2d {
    public let convolution: Convolution
    /// The weights' name (for `LayerProfile`); "conv" for layers made from explicit weights.
    public let name: String

    public var descriptor: ConvolutionDescriptor { convolution.descriptor }

    /// - Parameters:
    ///   - padding: nil for PyTorch's `padding = kernel / 2` on every side.
    ///   - groups: 1 dense; the channel count for depthwise.
    public init(_ weights: WeightStore, _ name: String, stride: Int = 1, padding: PaddingRule? = nil,
                groups: Int = 1, activation: Activation = .none, backend: Backend = .default,
                precision: Precision = .fp32) throws {
        let weight = try weights.require("\(name).weight")
        guard weight.shape.count == 4 else {
            throw NNError.invalidConfiguration("'\(name).weight' must be OIHW, has shape \(weight.shape)")
        }
        let (cout, cinPerGroup, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let bias = try weights.contains("\(name).bias") ? weights.require("\(name).bias", shape: [cout]).values : nil
        let descriptor = ConvolutionDescriptor(
            inputChannels: cinPerGroup * groups, outputChannels: cout, kernelHeight: kh, kernelWidth: kw,
            strideY: stride, strideX: stride,
            padding: padding ?? .explicit(ConvPadding(top: kh / 2, left: kw / 2, bottom: kh / 2, right: kw / 2)),
            groups: groups, activation: activation)
        convolution = try Convolution(descriptor, weights: weight.values, bias: bias, backend: backend,
                                      precision: precision)
        self.name = name
    }

    /// From explicit OIHW weights.
    public init(_ descriptor: ConvolutionDescriptor, weights: [Float], bias: [Float]?,
                backend: Backend = .default, precision: Precision = .fp32, name: String = "conv") throws {
        convolution = try Convolution(descriptor, weights: weights, bias: bias, backend: backend, precision: precision)
        self.name = name
    }

    /// The stored layer `name`'s input channels `channels` alone (a convolution over a
    /// concatenation is the sum of the convolutions of its parts), with the bias and the activation
    /// only when `biasAndActivation`; padding as the whole layer's (PyTorch's `kernel / 2`).
    public init(_ weights: WeightStore, _ name: String, inputChannels channels: Range<Int>, stride: Int = 1,
                biasAndActivation: Bool, activation: Activation = .none, backend: Backend = .default,
                precision: Precision = .fp32) throws {
        let weight = try weights.require("\(name).weight")
        guard weight.shape.count == 4, channels.lowerBound >= 0, channels.upperBound <= weight.shape[1], !channels.isEmpty else {
            throw NNError.invalidConfiguration("'\(name).weight' \(weight.shape) has no input channels \(channels)")
        }
        let (cout, cin, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let k = kh * kw
        var part = [Float]()
        part.reserveCapacity(cout * channels.count * k)
        for o in 0..<cout {
            part.append(contentsOf: weight.values[(o * cin + channels.lowerBound) * k..<(o * cin + channels.upperBound) * k])
        }
        let bias = biasAndActivation && (weights.contains("\(name).bias"))
            ? try weights.require("\(name).bias", shape: [cout]).values : nil
        let descriptor = ConvolutionDescriptor(
            inputChannels: channels.count, outputChannels: cout, kernelHeight: kh, kernelWidth: kw,
            strideY: stride, strideX: stride,
            padding: .explicit(ConvPadding(top: kh / 2, left: kw / 2, bottom: kh / 2, right: kw / 2)),
            activation: biasAndActivation ? activation : .none)
        try self.init(descriptor, weights: part, bias: bias, backend: backend, precision: precision,
                      name: "\(name)[\(channels.lowerBound)..<\(channels.upperBound)]")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        LayerProfile.record(name, kind: descriptor.profileKind) { convolution(x) }
    }

    /// The convolution of the channel concatenation of `parts` (`Convolution.callAsFunction(concatenating:)`:
    /// read in place where the kernel can, never concatenated).
    public func callAsFunction(concatenating parts: [Tensor]) -> Tensor {
        LayerProfile.record(name, kind: descriptor.profileKind) { convolution(concatenating: parts) }
    }

    /// activation(convolution of `x` + `residual`) (`Convolution.callAsFunction(_:adding:)`: the
    /// addition fused into the convolution where oneDNN or the narrow kernel can).
    public func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor {
        LayerProfile.record(name, kind: descriptor.profileKind) { convolution(x, adding: residual) }
    }
}

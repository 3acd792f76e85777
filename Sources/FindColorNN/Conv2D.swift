import Foundation

/// Zero padding added around the input of a convolution, in pixels.
public struct ConvPadding: Hashable, Sendable, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        precondition(top >= 0 && left >= 0 && bottom >= 0 && right >= 0, "negative padding")
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// The same padding on every side (PyTorch `padding=p`).
    public static func symmetric(_ p: Int) -> ConvPadding { ConvPadding(top: p, left: p, bottom: p, right: p) }

    public static let zero = ConvPadding(top: 0, left: 0, bottom: 0, right: 0)

    public var description: String { "(t \(top), l \(left), b \(bottom), r \(right))" }
}

/// How a convolution pads its input.
public enum PaddingRule: Hashable, Sendable {
    /// Fixed padding, possibly asymmetric.
    case explicit(ConvPadding)
    /// TensorFlow "SAME": output size ceil(input / stride); padding depends on the input size and
    /// the odd pixel goes to the bottom / right (as in TF-Lite exported EfficientNet).
    case same

    /// The padding for an input of the given size.
    public func resolve(inputHeight: Int, inputWidth: Int, kernelHeight: Int, kernelWidth: Int,
                        strideY: Int, strideX: Int) -> ConvPadding {
        switch self {
        case .explicit(let padding):
            return padding
        case .same:
            func split(_ size: Int, _ kernel: Int, _ stride: Int) -> (Int, Int) {
                let out = (size + stride - 1) / stride
                let total = Swift.max((out - 1) * stride + kernel - size, 0)
                return (total / 2, total - total / 2)
            }
            let (top, bottom) = split(inputHeight, kernelHeight, strideY)
            let (left, right) = split(inputWidth, kernelWidth, strideX)
            return ConvPadding(top: top, left: left, bottom: bottom, right: right)
        }
    }
}

/// Geometry and fused activation of a 2-D convolution. Weights are PyTorch OIHW:
/// `[outputChannels, inputChannels / groups, kernelHeight, kernelWidth]`.
public struct ConvolutionDescriptor: Hashable, Sendable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var padding: PaddingRule
    public var groups: Int
    public var activation: Activation

    public init(inputChannels: Int, outputChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1,
                padding: PaddingRule = .explicit(.zero), groups: Int = 1, activation: Activation = .none) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.padding = padding
        self.groups = groups
        self.activation = activation
    }

    /// Square kernel and stride.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: PaddingRule = .explicit(.zero), groups: Int = 1, activation: Activation = .none) {
        self.init(inputChannels: inputChannels, outputChannels: outputChannels,
                  kernelHeight: kernelSize, kernelWidth: kernelSize, strideY: stride, strideX: stride,
                  padding: padding, groups: groups, activation: activation)
    }

    public var inputChannelsPerGroup: Int { inputChannels / groups }
    public var outputChannelsPerGroup: Int { outputChannels / groups }

    /// One filter per channel (channel multiplier 1).
    public var isDepthwise: Bool { groups > 1 && groups == inputChannels && groups == outputChannels }

    /// Element count of the OIHW weight tensor.
    public var weightCount: Int { outputChannels * inputChannelsPerGroup * kernelHeight * kernelWidth }

    /// The OIHW weight shape.
    public var weightShape: [Int] { [outputChannels, inputChannelsPerGroup, kernelHeight, kernelWidth] }

    public func padding(for input: TensorShape) -> ConvPadding {
        padding.resolve(inputHeight: input.h, inputWidth: input.w, kernelHeight: kernelHeight,
                        kernelWidth: kernelWidth, strideY: strideY, strideX: strideX)
    }

    /// The output shape for an input shape (nil if the padded input is smaller than the kernel).
    public func outputShape(for input: TensorShape) -> TensorShape? {
        let pad = padding(for: input)
        let ph = input.h + pad.top + pad.bottom, pw = input.w + pad.left + pad.right
        guard ph >= kernelHeight, pw >= kernelWidth else { return nil }
        return TensorShape(n: input.n, h: (ph - kernelHeight) / strideY + 1,
                           w: (pw - kernelWidth) / strideX + 1, c: outputChannels)
    }

    /// Throws if the geometry is inconsistent.
    public func validate() throws {
        guard inputChannels > 0, outputChannels > 0, kernelHeight > 0, kernelWidth > 0,
              strideY > 0, strideX > 0, groups > 0 else {
            throw NNError.invalidConfiguration("convolution sizes must be positive: \(self)")
        }
        guard inputChannels % groups == 0, outputChannels % groups == 0 else {
            throw NNError.invalidConfiguration(
                "channels \(inputChannels)→\(outputChannels) are not divisible by groups \(groups)")
        }
    }
}

/// The backend-specific part of a convolution: weights packed for one implementation.
protocol ConvolutionKernel: AnyObject {
    func run(_ input: Tensor) throws -> Tensor
    /// The weights back in OIHW order plus the bias, to rebuild the op on another backend.
    func unpackedParameters() throws -> (weights: [Float], bias: [Float]?)
}

/// A 2-D convolution with bias and fused activation on NHWC tensors. Weights (OIHW) are packed
/// once, at creation, into the layout of the chosen backend.
public final class Convolution: @unchecked Sendable {
    public let descriptor: ConvolutionDescriptor
    /// The backend actually in use (`.reference` if oneDNN was asked for but failed).
    public private(set) var backend: Backend
    private var kernel: ConvolutionKernel
    private let fallbackLock = NSLock()

    /// - Parameters:
    ///   - weights: OIHW, `descriptor.weightCount` values.
    ///   - bias: `outputChannels` values, or nil for none.
    ///   - precision: of the oneDNN convolution. A precision this CPU does not support
    ///     (`Precision.isSupported`), or the reference backend, gives fp32. In bf16 the wide 3×3
    ///     convolutions run oneDNN's direct bf16 kernel rather than the fp32 Winograd one (the
    ///     faster of the two at 512², docs/speed.md).
    public init(_ descriptor: ConvolutionDescriptor, weights: [Float], bias: [Float]?,
                backend: Backend = .default, precision: Precision = .fp32) throws {
        let reduced = precision != .fp32 && precision.isSupported
        try descriptor.validate()
        guard weights.count == descriptor.weightCount else {
            throw NNError.invalidConfiguration(
                "convolution needs \(descriptor.weightCount) weights \(descriptor.weightShape), got \(weights.count)")
        }
        if let bias, bias.count != descriptor.outputChannels {
            throw NNError.invalidConfiguration(
                "convolution needs \(descriptor.outputChannels) biases, got \(bias.count)")
        }
        self.descriptor = descriptor
        if NarrowConvolution.supports(descriptor) {
            // Faster than both general kernels on this shape (see `NarrowConvolution`).
            kernel = NarrowConvolution(descriptor, weights: weights, bias: bias)
            self.backend = backend.resolved
        } else if Convolution.octet, OctetConvolution.supports(descriptor) {
            // 8 output channels: faster than oneDNN's direct kernel (see `OctetConvolution`).
            kernel = OctetConvolution(descriptor, weights: weights, bias: bias)
            self.backend = backend.resolved
        } else if backend.resolved == .oneDNN, Convolution.winograd, OneDNNRuntime.shared != nil,
                  !reduced,
                  WinogradConvolution.supports(descriptor), descriptor.inputChannels >= 16, descriptor.outputChannels >= 16 {
            // A quarter of the direct convolution's multiplies (see `WinogradConvolution`).
            kernel = WinogradConvolution(descriptor, weights: weights, bias: bias)
            self.backend = .oneDNN
        } else if backend.resolved == .oneDNN, let runtime = OneDNNRuntime.shared,
           let fast = (!reduced ? nil
                       : try? OneDNNConvolution(descriptor, weights: weights, bias: bias, runtime: runtime,
                                                precision: precision))
                      ?? (try? OneDNNConvolution(descriptor, weights: weights, bias: bias, runtime: runtime)) {
            kernel = fast
            self.backend = .oneDNN
        } else {
            kernel = ReferenceConvolution(descriptor, weights: weights, bias: bias)
            self.backend = .reference
        }
    }

    /// The precision this layer computes in: `.fp32` unless it is a oneDNN direct convolution
    /// created with a supported reduced precision.
    public var precision: Precision { (kernel as? OneDNNConvolution)?.precision ?? .fp32 }

    /// Whether the oneDNN backend runs wide 3×3 stride-1 convolutions by Winograd's F(4×4, 3×3)
    /// (`WinogradConvolution`) rather than oneDNN's direct kernel. On unless the environment sets
    /// `FINDCOLOR_WINOGRAD=0` (for side-by-side benchmarks); read when a layer is created.
    nonisolated(unsafe) public static var winograd = ProcessInfo.processInfo.environment["FINDCOLOR_WINOGRAD"] != "0"

    /// Whether 3×3 convolutions to 8 channels run `OctetConvolution` rather than the general
    /// kernels. On unless the environment sets `FINDCOLOR_OCTET=0` (for side-by-side benchmarks);
    /// read when a layer is created.
    nonisolated(unsafe) public static var octet = ProcessInfo.processInfo.environment["FINDCOLOR_OCTET"] != "0"

    /// Whether `callAsFunction(concatenating:)` lets the kernels that can read the parts in place.
    /// On unless the environment sets `FINDCOLOR_PARTS=0` (concatenate first: for side-by-side
    /// benchmarks); read at first use.
    nonisolated(unsafe) public static var partsInPlace = ProcessInfo.processInfo.environment["FINDCOLOR_PARTS"] != "0"

    /// Convolves an NHWC tensor with `inputChannels` channels.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.c == descriptor.inputChannels,
                     "convolution expects \(descriptor.inputChannels) channels, got \(input.shape)")
        precondition(descriptor.outputShape(for: input.shape) != nil,
                     "input \(input.shape) is smaller than the \(descriptor.kernelHeight)×\(descriptor.kernelWidth) kernel")
        do {
            return try kernel.run(input)
        } catch {
            return fallBackToReference(after: error)(input)
        }
    }

    /// The convolution of the channel concatenation of `parts` (same N, H, W; their channels add up
    /// to the input channels): read in place by the kernels that can (`OctetConvolution`, and
    /// `WinogradConvolution` where each 8-channel vector lies in one part), else concatenated first.
    /// Same values either way.
    public func callAsFunction(concatenating parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty && parts.reduce(0, { $0 + $1.c }) == descriptor.inputChannels,
                     "convolution expects \(descriptor.inputChannels) channels, got \(parts.map(\.shape))")
        if parts.count == 1 { return self(parts[0]) }
        if Convolution.partsInPlace, let octet = kernel as? OctetConvolution { return octet.run(parts: parts, adding: nil) }
        if Convolution.partsInPlace, let winograd = kernel as? WinogradConvolution, WinogradConvolution.readsInPlace(parts),
           let out = try? winograd.run(parts: parts) {
            return out
        }
        return self(Ops.concat(parts, backend: backend))
    }

    /// activation(convolution of `input` + bias + `residual`), `residual` a tensor of the output's
    /// shape (a residual connection, or another part of a sum of convolutions): in one oneDNN
    /// primitive where it has a fast one for this shape (the addition a binary post-op before the
    /// activation), else the convolution without its activation, `Ops.add`, then the activation.
    /// Same values either way (the convolution's float plus the residual's, once rounded).
    public func callAsFunction(_ input: Tensor, adding residual: Tensor) -> Tensor {
        precondition(input.c == descriptor.inputChannels,
                     "convolution expects \(descriptor.inputChannels) channels, got \(input.shape)")
        precondition(descriptor.outputShape(for: input.shape) == residual.shape,
                     "residual \(residual.shape) does not match the output of \(input.shape)")
        if Convolution.fuseResidual, let fused = kernel as? OneDNNConvolution,
           let sum = try? fused.run(input, adding: residual) {
            return sum
        }
        if let narrow = kernel as? NarrowConvolution { return narrow.run(input, adding: residual) }
        if let octet = kernel as? OctetConvolution { return octet.run(parts: [input], adding: residual) }
        if descriptor.activation == .none { return Ops.add(self(input), residual) }
        var sum = Ops.add(linear(input), residual)
        sum.withUnsafeMutableBufferPointer { applyActivation(descriptor.activation, $0.baseAddress!, $0.count) }
        return sum
    }

    /// This convolution without its activation (for `callAsFunction(_:adding:)` where it is not
    /// fused): made from the packed weights on first use.
    private var linearTwin: Convolution?

    private func linear(_ input: Tensor) -> Tensor {
        fallbackLock.lock()
        if linearTwin == nil {
            var d = descriptor
            d.activation = .none
            guard let parameters = try? kernel.unpackedParameters(),
                  let twin = try? Convolution(d, weights: parameters.weights, bias: parameters.bias,
                                              backend: backend, precision: precision) else {
                fatalError("convolution \(descriptor): its weights could not be recovered")
            }
            linearTwin = twin
        }
        let twin = linearTwin!
        fallbackLock.unlock()
        return twin(input)
    }

    /// Whether `callAsFunction(_:adding:)` fuses the addition into oneDNN's convolution. On unless the
    /// environment sets `FINDCOLOR_FUSE_ADD=0` (for side-by-side benchmarks); read at first use.
    nonisolated(unsafe) public static var fuseResidual = ProcessInfo.processInfo.environment["FINDCOLOR_FUSE_ADD"] != "0"

    /// Replaces a oneDNN kernel that failed at run time by the reference kernel.
    private func fallBackToReference(after error: Error) -> Convolution {
        fallbackLock.lock()
        defer { fallbackLock.unlock() }
        if backend != .reference {
            guard let parameters = try? kernel.unpackedParameters() else {
                fatalError("convolution \(descriptor): \(error); its weights could not be recovered")
            }
            FileHandle.standardError.write(Data("FindColorNN: \(error); using the reference convolution\n".utf8))
            kernel = ReferenceConvolution(descriptor, weights: parameters.weights, bias: parameters.bias)
            backend = .reference
        }
        return self
    }
}

import CDNNL
import FindColorParallel

/// The oneDNN convolution. Weights are reordered once, at creation, into the blocked layout
/// oneDNN picks for this CPU (`format_tag_any`); a primitive is compiled and cached per input shape.
/// In `.bf16` precision the weights are packed as bfloat16 and each input is converted to bfloat16
/// (`FloatConversion.convertToBFloat16`, into the runtime's scratch buffer) before the convolution,
/// which accumulates and writes fp32: the tensors between layers stay fp32.
final class OneDNNConvolution: ConvolutionKernel {
    /// A compiled convolution for one input shape, with memory objects whose data handles are
    /// swapped on each call.
    private final class Plan {
        let primitive: OneDNNPrimitive
        /// The input: the caller's fp32 tensor, or in bf16 its converted copy.
        let source: OneDNNMemory
        let destination: OneDNNMemory
        let weights: OneDNNMemory
        let bias: OneDNNMemory?
        let outputShape: TensorShape
        /// Weights in a layout other than the packed one, when this shape's primitive needs it.
        let extraWeightStorage: AlignedBuffer?
        /// The tensor added to the output by the fused binary post-op (plans with `adding`).
        var addend: OneDNNMemory?

        init(primitive: OneDNNPrimitive, source: OneDNNMemory, destination: OneDNNMemory,
             weights: OneDNNMemory, bias: OneDNNMemory?, outputShape: TensorShape,
             extraWeightStorage: AlignedBuffer?) {
            self.primitive = primitive
            self.source = source
            self.destination = destination
            self.weights = weights
            self.bias = bias
            self.outputShape = outputShape
            self.extraWeightStorage = extraWeightStorage
        }
    }

    private struct PlanKey: Hashable {
        let shape: TensorShape
        let threads: Int
        /// The output plus a tensor of its shape (a residual connection), in the same primitive.
        var adding = false
    }

    /// The input size used to choose the packed weight layout at creation.
    private static let nominalSize = 64

    let descriptor: ConvolutionDescriptor
    let precision: Precision
    private let runtime: OneDNNRuntime
    private let attributes: OneDNNAttributes
    private let userWeightsDesc: dnnl_memory_desc_t
    private let packedWeightsDesc: dnnl_memory_desc_t
    private let packedWeights: AlignedBuffer
    private let bias: AlignedBuffer?
    private var plans: [PlanKey: Plan] = [:]

    /// Throws if oneDNN has no implementation for `d` at `precision` other than its slow reference
    /// one (bf16 on CPUs without AVX-512 BF16).
    init(_ d: ConvolutionDescriptor, weights: [Float], bias: [Float]?, runtime: OneDNNRuntime,
         precision: Precision = .fp32) throws {
        let attributes = try OneDNNAttributes(activation: d.activation)
        let dataType = precision.dnnlType
        let userDesc = try OneDNNDesc.make(OneDNNConvolution.weightDims(d), d.groups > 1 ? dnnl_goihw : dnnl_oihw)
        let nominal = TensorShape(n: 1, h: Swift.max(OneDNNConvolution.nominalSize, d.kernelHeight),
                                  w: Swift.max(OneDNNConvolution.nominalSize, d.kernelWidth), c: d.inputChannels)
        let any = try OneDNNDesc.make(OneDNNConvolution.weightDims(d), dnnl_format_tag_any, dataType)
        let (packedDesc, packed) = try runtime.withExclusiveAccess { () throws -> (dnnl_memory_desc_t, AlignedBuffer) in
            let (pd, _) = try OneDNNConvolution.primitiveDesc(d, input: nominal, weights: any, hasBias: bias != nil,
                                                 attributes: attributes, runtime: runtime, sourceType: dataType)
            if precision != .fp32, pd.isReference {
                throw OneDNNError(operation: "\(precision) convolution (only the reference implementation)", status: -1)
            }
            guard let chosen = pd.memoryDesc(dnnl_query_weights_md) else {
                throw OneDNNError(operation: "query weights layout", status: -1)
            }
            let packed = AlignedBuffer(count: (OneDNNDesc.byteSize(chosen) + 3) / 4)
            try weights.withUnsafeBytes { raw in
                try OneDNNReorder.run(from: userDesc, raw.baseAddress!, to: chosen, packed.pointer, runtime: runtime)
            }
            return (chosen, packed)
        }
        descriptor = d
        self.precision = precision
        self.runtime = runtime
        self.attributes = attributes
        userWeightsDesc = userDesc
        packedWeightsDesc = packedDesc
        packedWeights = packed
        self.bias = bias.map { AlignedBuffer($0) }
    }

    /// oneDNN weight dims: OIHW, or GOIHW when grouped (same memory order as PyTorch's OIHW).
    private static func weightDims(_ d: ConvolutionDescriptor) -> [Int] {
        let (kh, kw) = (d.kernelHeight, d.kernelWidth)
        if d.groups > 1 {
            return [d.groups, d.outputChannelsPerGroup, d.inputChannelsPerGroup, kh, kw]
        }
        return [d.outputChannels, d.inputChannels, kh, kw]
    }

    private static func primitiveDesc(_ d: ConvolutionDescriptor, input: TensorShape,
                                      weights: dnnl_memory_desc_t, hasBias: Bool,
                                      attributes: OneDNNAttributes, runtime: OneDNNRuntime,
                                      sourceType: dnnl_data_type_t) throws -> (OneDNNPrimitiveDesc, TensorShape) {
        guard let outShape = d.outputShape(for: input) else {
            throw NNError.invalidConfiguration("input \(input) smaller than the kernel")
        }
        let pad = d.padding(for: input)
        var src = try OneDNNDesc.nhwc(input, sourceType)
        var dst = try OneDNNDesc.nhwc(outShape)
        var wts = weights
        var biasDesc = try OneDNNDesc.make([d.outputChannels], dnnl_x)
        var conv = dnnl_convolution_desc_t()
        let strides: [Int64] = [Int64(d.strideY), Int64(d.strideX)]
        let padL: [Int64] = [Int64(pad.top), Int64(pad.left)]
        let padR: [Int64] = [Int64(pad.bottom), Int64(pad.right)]
        let status = withUnsafePointer(to: &biasDesc) { biasPointer in
            dnnl_convolution_forward_desc_init(&conv, dnnl_forward_inference, dnnl_convolution_direct,
                                               &src, &wts, hasBias ? biasPointer : nil, &dst,
                                               strides, padL, padR)
        }
        try dnnlCheck(status, "convolution descriptor")
        return (try OneDNNPrimitiveDesc(conv, attributes: attributes, runtime: runtime, name: "convolution"), outShape)
    }

    private func plan(for input: TensorShape, adding: Bool = false) throws -> Plan {
        let key = PlanKey(shape: input, threads: Parallel.threadCount, adding: adding)
        if let cached = plans[key] { return cached }
        let hasBias = bias != nil
        var attributes = self.attributes
        if adding {
            guard let out = descriptor.outputShape(for: input) else {
                throw NNError.invalidConfiguration("input \(input) smaller than the kernel")
            }
            attributes = try OneDNNAttributes(activation: descriptor.activation, adding: try OneDNNDesc.nhwc(out))
        }
        let pd: OneDNNPrimitiveDesc
        let outShape: TensorShape
        let weightsMemory: OneDNNMemory
        var extra: AlignedBuffer?
        // The packed layout was chosen for a nominal input size; for some shapes (small spatial
        // sizes, odd channel counts) only oneDNN's slow reference implementation accepts it, and then
        // the weights are reordered to the layout this shape's fastest implementation wants.
        let sourceType = precision.dnnlType
        if let fixed = try? Self.primitiveDesc(descriptor, input: input, weights: packedWeightsDesc,
                                               hasBias: hasBias, attributes: attributes, runtime: runtime,
                                               sourceType: sourceType),
           !fixed.0.isReference {
            pd = fixed.0
            outShape = fixed.1
            weightsMemory = try OneDNNMemory(packedWeightsDesc, data: packedWeights.pointer, runtime: runtime)
        } else {
            // This shape's best implementation wants another weight layout: reorder the packed weights.
            let any = try OneDNNDesc.make(Self.weightDims(descriptor), dnnl_format_tag_any, sourceType)
            let flexible = try Self.primitiveDesc(descriptor, input: input, weights: any, hasBias: hasBias,
                                                  attributes: attributes, runtime: runtime, sourceType: sourceType)
            pd = flexible.0
            outShape = flexible.1
            guard let wanted = pd.memoryDesc(dnnl_query_weights_md) else {
                throw OneDNNError(operation: "query weights layout", status: -1)
            }
            let storage = AlignedBuffer(count: (OneDNNDesc.byteSize(wanted) + 3) / 4)
            try OneDNNReorder.run(from: packedWeightsDesc, packedWeights.pointer, to: wanted, storage.pointer,
                                  runtime: runtime)
            extra = storage
            weightsMemory = try OneDNNMemory(wanted, data: storage.pointer, runtime: runtime)
        }
        let biasMemory = try bias.map {
            try OneDNNMemory(try OneDNNDesc.make([descriptor.outputChannels], dnnl_x), data: $0.pointer,
                             runtime: runtime)
        }
        if adding, pd.isReference {
            throw OneDNNError(operation: "convolution with a fused addition (only the reference implementation)", status: -1)
        }
        let plan = Plan(primitive: try OneDNNPrimitive(pd, name: "convolution"),
                        source: try OneDNNMemory(try OneDNNDesc.nhwc(input, sourceType), data: nil, runtime: runtime),
                        destination: try OneDNNMemory(try OneDNNDesc.nhwc(outShape), data: nil, runtime: runtime),
                        weights: weightsMemory, bias: biasMemory, outputShape: outShape,
                        extraWeightStorage: extra)
        if adding { plan.addend = try OneDNNMemory(try OneDNNDesc.nhwc(outShape), data: nil, runtime: runtime) }
        plans[key] = plan
        implementations[key.shape] = pd.implementation
        return plan
    }

    /// The oneDNN implementation used for each input shape run so far (for tests and diagnostics).
    private(set) var implementations: [TensorShape: String] = [:]

    /// The implementation oneDNN uses for `input` (compiling the plan if needed).
    func implementation(for input: TensorShape) throws -> String {
        try runtime.withExclusiveAccess {
            _ = try self.plan(for: input)
            return self.implementations[input] ?? ""
        }
    }

    func run(_ input: Tensor) throws -> Tensor { try run(input, adding: nil) }

    /// Shapes whose fused addition oneDNN only has a reference implementation for (added apart).
    private var unfusable: Set<TensorShape> = []

    /// activation(convolution of `input` + `residual`) (`residual` of the output's shape) in one
    /// primitive: the sum is a binary post-op before the fused activation, so the output is written once instead of
    /// written, read back and written again by a separate addition. Nil where oneDNN has no fast
    /// implementation of the fused form for this shape (the caller adds apart).
    func run(_ input: Tensor, adding residual: Tensor) throws -> Tensor? {
        let fusable = try runtime.withExclusiveAccess { () throws -> Bool in
            if self.unfusable.contains(input.shape) { return false }
            do { _ = try self.plan(for: input.shape, adding: true); return true }
            catch { self.unfusable.insert(input.shape); return false }
        }
        return fusable ? try run(input, adding: Optional(residual)) : nil
    }

    private func run(_ input: Tensor, adding residual: Tensor?) throws -> Tensor {
        try runtime.withExclusiveAccess {
            let compiled = try self.plan(for: input.shape, adding: residual != nil)
            if let residual {
                guard residual.shape == compiled.outputShape else {
                    throw NNError.invalidConfiguration("residual \(residual.shape) does not match the output \(compiled.outputShape)")
                }
            }
            let output = Tensor(uninitializedShape: compiled.outputShape)
            var converted: AlignedBuffer?
            if self.precision == .bf16 {
                let count = input.shape.count
                let buffer = runtime.scratch(bytes: count * 2)
                let bits = UnsafeMutableRawPointer(buffer.pointer).bindMemory(to: UInt16.self, capacity: count)
                FloatConversion.convertToBFloat16(input.basePointer, bits, count: count)
                try compiled.source.setData(buffer.pointer)
                converted = buffer
            } else {
                try compiled.source.setData(input.basePointer)
            }
            try compiled.destination.setData(output.basePointer)
            var args: [(Int32, OneDNNMemory)] = [(OneDNNArg.src, compiled.source),
                                                 (OneDNNArg.weights, compiled.weights),
                                                 (OneDNNArg.dst, compiled.destination)]
            if let biasMemory = compiled.bias { args.append((OneDNNArg.bias, biasMemory)) }
            if let residual, let addend = compiled.addend {
                try addend.setData(residual.basePointer)
                args.append((OneDNNArg.postOpSource1(0), addend))
            }
            try runtime.execute(compiled.primitive, args)
            withExtendedLifetime((converted, residual)) {}
            return output
        }
    }

    func unpackedParameters() throws -> (weights: [Float], bias: [Float]?) {
        var weights = [Float](repeating: 0, count: descriptor.weightCount)
        let userDesc = userWeightsDesc, packedDesc = packedWeightsDesc, packed = packedWeights
        try runtime.withExclusiveAccess {
            try weights.withUnsafeMutableBytes { raw in
                try OneDNNReorder.run(from: packedDesc, packed.pointer, to: userDesc, raw.baseAddress!, runtime: runtime)
            }
        }
        return (weights, bias.map { Array($0.buffer) })
    }
}

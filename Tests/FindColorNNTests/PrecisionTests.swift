import Testing
@testable import FindColorNN

/// Rounds each value to bfloat16 and back (the value a bf16 kernel multiplies).
private func bf16Rounded(_ values: [Float]) -> [Float] {
    values.map { FloatConversion.float(fromBFloat16: FloatConversion.bfloat16(from: $0)) }
}

@Suite("Reduced precision (bf16)")
struct PrecisionTests {
    /// Closed-form values: bfloat16 keeps the top 16 bits, rounded to nearest, ties to even.
    @Test("float → bfloat16 rounds to nearest, ties to even")
    func rounding() {
        #expect(FloatConversion.bfloat16(from: 1) == 0x3f80)
        #expect(FloatConversion.bfloat16(from: -2) == 0xc000)
        #expect(FloatConversion.bfloat16(from: 0) == 0)
        // Exactly halfway between 0x3f80 and 0x3f81: to the even one, 0x3f80.
        #expect(FloatConversion.bfloat16(from: Float(bitPattern: 0x3f80_8000)) == 0x3f80)
        // Halfway between 0x3f81 and 0x3f82: to the even one, 0x3f82.
        #expect(FloatConversion.bfloat16(from: Float(bitPattern: 0x3f81_8000)) == 0x3f82)
        // Just above and below halfway.
        #expect(FloatConversion.bfloat16(from: Float(bitPattern: 0x3f80_8001)) == 0x3f81)
        #expect(FloatConversion.bfloat16(from: Float(bitPattern: 0x3f80_7fff)) == 0x3f80)
        // 1/3 = 0x3eaaaaab → 0x3eab (0xaaab rounds up); the relative error of bf16 is below 2⁻⁸.
        #expect(FloatConversion.bfloat16(from: 1.0 / 3) == 0x3eab)
        #expect(FloatConversion.bfloat16(from: .nan) & 0x7f80 == 0x7f80)
        for x: Float in [0.1, 3.14159, -123.456, 1e-20, 6e4] {
            let back = FloatConversion.float(fromBFloat16: FloatConversion.bfloat16(from: x))
            #expect(abs(back - x) <= abs(x) * 0x1p-8)
        }
    }

    /// The default's CPU rule reads the vendor of /proc/cpuinfo's first processor.
    @Test("the CPU vendor is read from /proc/cpuinfo")
    func cpuVendor() {
        let amd = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\n"
        #expect(Precision.cpuVendor(cpuinfo: amd) == "AuthenticAMD")
        #expect(Precision.cpuVendor(cpuinfo: "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: avx512_bf16\n") == "GenuineIntel")
        #expect(Precision.cpuVendor(cpuinfo: "") == "")
        #expect(Precision.cpuVendor(cpuinfo: "processor : 0\nCPU implementer : 0x41\n") == "")  // aarch64
        #expect(!Precision.bf16IsFaster || Precision.bf16.isSupported)
    }

    @Test("the vectorised, threaded conversion equals the scalar one")
    func bulkConversion() {
        var generator = SplitMix64(seed: 5)
        let count = (1 << 17) + 37   // several threads' chunks and a scalar tail
        let values = generator.floats(count, in: -50...50)
        var bits = [UInt16](repeating: 0, count: count)
        values.withUnsafeBufferPointer { src in
            bits.withUnsafeMutableBufferPointer { dst in
                FloatConversion.convertToBFloat16(src.baseAddress!, dst.baseAddress!, count: count)
            }
        }
        #expect(bits == values.map { FloatConversion.bfloat16(from: $0) })
    }

    /// The bf16 kernel multiplies the bf16-rounded input by the bf16-rounded weights and sums in
    /// fp32: the naive convolution of those rounded values (Double sums) is its independent
    /// reference, up to fp32 summation (1e-4 relative). Against the fp32 convolution it differs by
    /// the rounding, about 2⁻⁸ relative per product (checked loosely: ≤ 2 %).
    @Test("bf16 oneDNN convolution equals the naive convolution of bf16-rounded operands",
          arguments: convCases.filter { $0.descriptor.groups == 1 || $0.descriptor.groups == $0.descriptor.inputChannels })
    func bf16Convolution(_ c: ConvCase) throws {
        guard Precision.bf16.isSupported else {
            // Not an AVX-512 BF16 CPU: the layer must stay fp32 (checked), nothing more to compare.
            let (weights, bias) = c.parameters
            let layer = try Convolution(c.descriptor, weights: weights, bias: bias, backend: .oneDNN, precision: .bf16)
            #expect(layer.precision == .fp32)
            return
        }
        let runtime = try #require(OneDNNRuntime.shared)
        let (weights, bias) = c.parameters
        let kernel = try OneDNNConvolution(c.descriptor, weights: weights, bias: bias, runtime: runtime, precision: .bf16)
        #expect(kernel.precision == .bf16)
        let x = c.input
        let actual = try kernel.run(x)
        let roundedInput = Tensor(shape: x.shape, values: bf16Rounded(x.scalars))
        let expected = naiveConvolution(roundedInput, weights: bf16Rounded(weights), bias: bias, c.descriptor)
        let implementation = try kernel.implementation(for: x.shape)
        #expect(relativeError(actual, expected) <= 1e-4, "\(c.name): \(implementation)")
        let fp32 = naiveConvolution(x, weights: weights, bias: bias, c.descriptor)
        #expect(relativeError(actual, fp32) <= 0.02)
        #expect(!implementation.hasPrefix("ref"), "\(c.name): \(implementation)")
        // The packed bf16 weights unpack to the rounded weights exactly.
        let unpacked = try kernel.unpackedParameters().weights
        #expect(unpacked == bf16Rounded(weights))
    }

    @Test("a bf16 request gives bf16 layers (and no Winograd) only where the CPU has AVX-512 BF16")
    func layerPrecision() throws {
        try #require(OneDNN.isAvailable, "oneDNN did not initialise")
        let d = ConvolutionDescriptor(inputChannels: 32, outputChannels: 32, kernelSize: 3, padding: .explicit(.symmetric(1)))
        var generator = SplitMix64(seed: 2)
        let weights = generator.floats(d.weightCount, in: -0.1...0.1)
        #expect(try Convolution(d, weights: weights, bias: nil, backend: .oneDNN, precision: .fp32).precision == .fp32)
        let layer = try Convolution(d, weights: weights, bias: nil, backend: .oneDNN, precision: .bf16)
        #expect(layer.precision == (Precision.bf16.isSupported ? .bf16 : .fp32))
        #expect(layer.backend == .oneDNN)
        // The reference backend has no bf16 kernels.
        #expect(try Convolution(d, weights: weights, bias: nil, backend: .reference, precision: .bf16).precision == .fp32)
    }
}

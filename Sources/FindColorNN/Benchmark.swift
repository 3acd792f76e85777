import Foundation

/// Timing of one convolution layer on one backend.
public struct ConvolutionBenchmarkResult: Sendable, CustomStringConvertible {
    public let name: String
    public let descriptor: ConvolutionDescriptor
    public let input: TensorShape
    /// The backend that actually ran (oneDNN falls back to reference if unavailable).
    public let backend: Backend
    public let threads: Int
    public let bestSeconds: Double
    public let medianSeconds: Double
    public let flops: Double

    /// Giga floating-point operations per second of the best run.
    public var gflops: Double { flops / bestSeconds / 1e9 }

    public var description: String {
        "\(name) \(backend.rawValue) \(threads) threads: best \(String(format: "%.3f", bestSeconds * 1e3)) ms, "
            + "median \(String(format: "%.3f", medianSeconds * 1e3)) ms, \(String(format: "%.1f", gflops)) GFLOP/s"
    }
}

/// Micro-benchmarks of the kernels (for the CLI's `bench` command; not run by the tests).
public enum KernelBenchmark {
    /// The convolution layers this project benchmarks: name, descriptor and input size.
    public static let standardConvolutions: [(name: String, descriptor: ConvolutionDescriptor, size: Int)] = [
        ("3x3 64->64 @128", ConvolutionDescriptor(inputChannels: 64, outputChannels: 64, kernelSize: 3,
                                                  padding: .explicit(.symmetric(1)), activation: .relu), 128),
        ("dw3x3 96 @112", ConvolutionDescriptor(inputChannels: 96, outputChannels: 96, kernelSize: 3,
                                                padding: .explicit(.symmetric(1)), groups: 96, activation: .relu6), 112),
        ("1x1 96->24 @112", ConvolutionDescriptor(inputChannels: 96, outputChannels: 24, kernelSize: 1), 112),
        ("3x3 256->256 @32", ConvolutionDescriptor(inputChannels: 256, outputChannels: 256, kernelSize: 3,
                                                   padding: .explicit(.symmetric(1)), activation: .relu), 32),
    ]

    /// Times a convolution with random weights on a random `height × width` input: `warmup`
    /// untimed runs, then `iterations` timed ones.
    public static func convolution(_ descriptor: ConvolutionDescriptor, height: Int, width: Int,
                                   backend: Backend, iterations: Int = 20, warmup: Int = 3,
                                   name: String = "conv") throws -> ConvolutionBenchmarkResult {
        var generator = SplitMix64(seed: 7)
        let weights = generator.floats(descriptor.weightCount, in: -0.1...0.1)
        let bias = generator.floats(descriptor.outputChannels, in: -0.1...0.1)
        let layer = try Convolution(descriptor, weights: weights, bias: bias, backend: backend)
        let input = Tensor.random(TensorShape(h: height, w: width, c: descriptor.inputChannels), seed: 11)
        for _ in 0..<warmup { _ = layer(input) }
        var times: [Double] = []
        for _ in 0..<Swift.max(1, iterations) {
            let start = DispatchTime.now().uptimeNanoseconds
            let output = layer(input)
            let end = DispatchTime.now().uptimeNanoseconds
            withExtendedLifetime(output) {}
            times.append(Double(end - start) / 1e9)
        }
        times.sort()
        return ConvolutionBenchmarkResult(name: name, descriptor: descriptor, input: input.shape,
                                          backend: layer.backend, threads: Parallel.threadCount,
                                          bestSeconds: times[0], medianSeconds: times[times.count / 2],
                                          flops: descriptor.flops(for: input.shape))
    }

    /// Runs `standardConvolutions` on each backend.
    public static func standardSuite(backends: [Backend] = Backend.allCases, iterations: Int = 20) throws
        -> [ConvolutionBenchmarkResult] {
        var results: [ConvolutionBenchmarkResult] = []
        for layer in standardConvolutions {
            for backend in backends {
                results.append(try convolution(layer.descriptor, height: layer.size, width: layer.size,
                                               backend: backend, iterations: iterations, name: layer.name))
            }
        }
        return results
    }
}

import FindColorParallel
import Foundation
@testable import FindColorNN

/// Largest |a − b|.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    var worst: Float = 0
    for i in a.indices {
        let d = abs(a[i] - b[i])
        if d.isNaN { return .infinity }
        worst = max(worst, d)
    }
    return worst
}

/// Largest |actual − expected| relative to the expected values' magnitude (at least 1).
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "shapes differ: \(actual.shape) vs \(expected.shape)")
    let e = expected.scalars
    let scale = max(1, e.map { abs($0) }.max() ?? 0)
    return maxAbsDifference(actual.scalars, e) / scale
}

func applyActivation(_ x: Double, _ activation: Activation) -> Double {
    switch activation {
    case .none: return x
    case .relu: return max(x, 0)
    case .relu6: return min(max(x, 0), 6)
    case .tanh: return Foundation.tanh(x)
    }
}

/// A scalar, obviously-correct convolution (Double accumulation) to check the kernels against.
func naiveConvolution(_ x: Tensor, weights: [Float], bias: [Float]?, _ d: ConvolutionDescriptor) -> Tensor {
    let pad = d.padding(for: x.shape)
    let outShape = d.outputShape(for: x.shape)!
    let cinG = d.inputChannelsPerGroup, coutG = d.outputChannelsPerGroup
    var values = [Float](repeating: 0, count: outShape.count)
    let input = x.scalars
    var i = 0
    for n in 0..<outShape.n {
        for oy in 0..<outShape.h {
            for ox in 0..<outShape.w {
                for o in 0..<outShape.c {
                    let g = o / coutG
                    var sum = Double(bias?[o] ?? 0)
                    for ic in 0..<cinG {
                        for ky in 0..<d.kernelHeight {
                            let iy = oy * d.strideY - pad.top + ky
                            if iy < 0 || iy >= x.h { continue }
                            for kx in 0..<d.kernelWidth {
                                let ix = ox * d.strideX - pad.left + kx
                                if ix < 0 || ix >= x.w { continue }
                                let xv = input[((n * x.h + iy) * x.w + ix) * x.c + g * cinG + ic]
                                let wv = weights[((o * cinG + ic) * d.kernelHeight + ky) * d.kernelWidth + kx]
                                sum += Double(xv) * Double(wv)
                            }
                        }
                    }
                    values[i] = Float(applyActivation(sum, d.activation))
                    i += 1
                }
            }
        }
    }
    return Tensor(shape: outShape, values: values)
}

/// Runs `body` with the reference kernels on `threads` threads, restoring the setting afterwards.
func withThreadCount<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
    let saved = Parallel.threadCount
    Parallel.threadCount = threads
    defer { Parallel.threadCount = saved }
    return try body()
}

/// The test bundle's fixture file.
func fixtureURL(_ name: String, _ ext: String) -> URL? {
    Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures")
        ?? Bundle.module.url(forResource: name, withExtension: ext)
}

/// A fresh path in the temporary directory.
func temporaryFile(_ suffix: String) -> URL {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("findcolornn-\(UUID().uuidString)\(suffix)")
}

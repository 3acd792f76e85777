import FindColorParallel
import Foundation

/// Resampling filters. All three are separable: a horizontal pass, then a vertical pass, each a
/// weighted sum over a small set of source pixels ("taps") computed once per output column/row.
public enum ResampleMethod: String, Sendable, CaseIterable {
    /// Box filter with exact fractional coverage: every output pixel is the average of the source
    /// area it covers, partially covered source pixels weighted by the covered fraction. Meant for
    /// downscaling (for an integer ratio it is the plain block mean, like PyTorch's `mode="area"`;
    /// for other ratios it is exact where PyTorch's adaptive pooling rounds the boundaries).
    case area
    /// Bilinear with PyTorch `align_corners=False` semantics: pixel centres at half-integers,
    /// source coordinate `(x + 0.5) · in/out − 0.5`, clamped at 0; the right/bottom neighbour is
    /// clamped to the last pixel. No antialiasing (like PyTorch's default).
    case bilinear
    /// Bicubic convolution with a = −0.75 and the same coordinate mapping as PyTorch's
    /// `mode="bicubic", align_corners=False` (neighbours clamped to the border, no antialiasing).
    /// May overshoot the input range slightly.
    case bicubic
}

extension PlanarImage {
    /// The image resampled to `width × height` (all channels).
    public func resized(width outWidth: Int, height outHeight: Int, method: ResampleMethod) -> PlanarImage {
        precondition(outWidth > 0 && outHeight > 0, "cannot resize to \(outWidth)×\(outHeight)")
        precondition(width > 0 && height > 0, "cannot resize an empty image")
        if outWidth == width && outHeight == height { return self }
        let horizontal = ResampleTaps(method: method, inputSize: width, outputSize: outWidth)
        let vertical = ResampleTaps(method: method, inputSize: height, outputSize: outHeight)

        // Horizontal pass: channels × height rows of outWidth.
        var temporary = [Float](repeating: 0, count: channels * height * outWidth)
        let inWidth = width
        data.withUnsafeBufferPointer { src in
            temporary.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(count: channels * height, workPerItem: outWidth * 4) { rows in
                    for row in rows {
                        horizontal.apply(input: s + row * inWidth, output: d + row * outWidth)
                    }
                }
            }
        }

        // Vertical pass: each output row is a weighted sum of whole temporary rows.
        var out = PlanarImage(width: outWidth, height: outHeight, channels: channels)
        let inHeight = height
        temporary.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(count: channels * outHeight, workPerItem: outWidth * 4) { rows in
                    for row in rows {
                        let c = row / outHeight, y = row % outHeight
                        let o = d + row * outWidth
                        o.initialize(repeating: 0, count: outWidth)
                        for k in vertical.offsets[y] ..< vertical.offsets[y + 1] {
                            let w = vertical.weights[k]
                            let input = s + (c * inHeight + vertical.indices[k]) * outWidth
                            for x in 0..<outWidth { o[x] += w * input[x] }
                        }
                    }
                }
            }
        }
        return out
    }
}

extension PlanarImage {
    /// A one-channel mask resampled bilinearly to `width × height` and kept where ≥ `threshold`
    /// (1, else 0): the pixels of `resized(width:height:method: .bilinear)` thresholded, computing
    /// only the rows near a nonzero source row (the others are 0). A defect mask upsampled from the
    /// detector's search size to a 12 MP photo is mostly empty rows.
    public func upsampledMask(width outWidth: Int, height outHeight: Int, threshold: Float = 0.5) -> PlanarImage {
        precondition(channels == 1, "upsampledMask takes one channel")
        precondition(outWidth > 0 && outHeight > 0 && width > 0 && height > 0, "cannot resize \(width)×\(height) to \(outWidth)×\(outHeight)")
        let horizontal = ResampleTaps(method: .bilinear, inputSize: width, outputSize: outWidth)
        let vertical = ResampleTaps(method: .bilinear, inputSize: height, outputSize: outHeight)
        let inWidth = width
        var nonzero = [Bool](repeating: false, count: height)
        var temporary = [Float](repeating: 0, count: height * outWidth)
        data.withUnsafeBufferPointer { src in
            temporary.withUnsafeMutableBufferPointer { dst in
                for row in 0..<height where src[row * inWidth ..< (row + 1) * inWidth].contains(where: { $0 != 0 }) {
                    nonzero[row] = true
                    horizontal.apply(input: src.baseAddress! + row * inWidth, output: dst.baseAddress! + row * outWidth)
                }
            }
        }
        var out = PlanarImage(width: outWidth, height: outHeight, channels: 1)
        var line = [Float](repeating: 0, count: outWidth)
        temporary.withUnsafeBufferPointer { s in
            for y in 0..<outHeight {
                let taps = vertical.offsets[y] ..< vertical.offsets[y + 1]
                guard taps.contains(where: { nonzero[vertical.indices[$0]] }) else { continue }
                for x in 0..<outWidth { line[x] = 0 }
                for k in taps {
                    let w = vertical.weights[k], r = vertical.indices[k] * outWidth
                    for x in 0..<outWidth { line[x] += w * s[r + x] }
                }
                for x in 0..<outWidth where line[x] >= threshold { out.data[y * outWidth + x] = 1 }
            }
        }
        return out
    }
}

/// The source indices and weights contributing to each output position along one axis.
/// Output `i` uses taps `offsets[i] ..< offsets[i + 1]` of `indices` / `weights`.
struct ResampleTaps {
    var offsets: [Int] = [0]
    var indices: [Int] = []
    var weights: [Float] = []

    init(method: ResampleMethod, inputSize n: Int, outputSize m: Int) {
        let scale = Double(n) / Double(m)
        for i in 0..<m {
            switch method {
            case .area:
                let start = Double(i) * scale, end = Double(i + 1) * scale
                var j = Int(start.rounded(.down))
                while Double(j) < end && j < n {
                    let overlap = min(end, Double(j + 1)) - max(start, Double(j))
                    if overlap > 0 { add(j, overlap / scale) }
                    j += 1
                }
            case .bilinear:
                let source = max((Double(i) + 0.5) * scale - 0.5, 0)
                let j0 = min(Int(source), n - 1)
                let j1 = j0 < n - 1 ? j0 + 1 : j0
                let lambda = source - Double(j0)
                add(j0, 1 - lambda)
                add(j1, lambda)
            case .bicubic:
                let source = (Double(i) + 0.5) * scale - 0.5
                let j = Int(source.rounded(.down))
                let t = source - Double(j)
                let coefficients = ResampleTaps.cubicCoefficients(t)
                for k in 0..<4 {
                    add(min(max(j - 1 + k, 0), n - 1), coefficients[k])
                }
            }
            offsets.append(indices.count)
        }
    }

    private mutating func add(_ index: Int, _ weight: Double) {
        indices.append(index)
        weights.append(Float(weight))
    }

    /// The four cubic-convolution weights for fractional offset t (Keys, a = −0.75, as PyTorch).
    static func cubicCoefficients(_ t: Double) -> [Double] {
        let a = -0.75
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }          // |x| ≤ 1
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }     // 1 < |x| < 2
        return [far(t + 1), near(t), near(1 - t), far(2 - t)]
    }

    /// Resamples one row.
    @inline(__always)
    func apply(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        // Through pointers: the taps were built in range, and a bounds check on each of the three
        // reads per tap doubled the time of a 12 MP area downscale.
        offsets.withUnsafeBufferPointer { offsets in
            indices.withUnsafeBufferPointer { indices in
                weights.withUnsafeBufferPointer { weights in
                    let o = offsets.baseAddress!, ix = indices.baseAddress!, w = weights.baseAddress!
                    for i in 0..<(offsets.count - 1) {
                        var sum: Float = 0
                        for k in o[i] ..< o[i + 1] {
                            sum += w[k] * input[ix[k]]
                        }
                        output[i] = sum
                    }
                }
            }
        }
    }
}

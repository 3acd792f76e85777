import FindColorParallel
import Foundation

/// Edge-aware upsampling of chroma with the fast guided filter (He & Sun, "Fast Guided Filter",
/// 2015; the guided filter itself: He, Sun & Tang, 2010/2013).
///
/// The network predicts a*b* at low resolution. Upsampling them bilinearly blurs colour across the
/// sharp edges of the full-resolution photo (colour "bleeds" over outlines). The guided filter
/// instead models the chroma, inside every small window, as a linear function of the lightness:
///
///     ab ≈ A · L + B        (per window, per chroma channel)
///
/// fitted by least squares at low resolution (with a regulariser ε on A). The coefficients vary
/// slowly, so they can be averaged, upsampled bilinearly and applied to the *full-resolution* L:
///
///     ab_full(x) = Ā(x) · L_full(x) + B̄(x)
///
/// which puts every chroma edge exactly where the lightness edge is.
///
/// Steps at low resolution, with box means `mean(·)` over (2r+1)² windows:
///
///     var_L  = mean(L·L) − mean(L)²          cov = mean(L·p) − mean(L)·mean(p)
///     A      = cov / (var_L + ε)             B   = mean(p) − A·mean(L)
///     Ā, B̄   = mean(A), mean(B)
///
/// then Ā, B̄ are upsampled (bilinear, `align_corners=False`, like `ResampleMethod.bilinear`) and
/// applied row by row. Only the low-resolution coefficients are kept, so output can be produced in
/// bands of rows (`upsampleRows`) and full-resolution memory stays at the size of the band the
/// caller asks for: a 24-megapixel result never needs more than the guide, the output and a
/// few low-resolution planes.
///
/// Units: the guide is L* (0...100), so ε is in L*² units; with a noticeable edge having a window
/// variance in the hundreds, ε between 1 and 100 keeps edges while smoothing noise. `radius` is in
/// low-resolution pixels (1...4 typical).
public struct GuidedUpsampler: Sendable {
    /// Size of the low-resolution source and guide.
    public let lowWidth: Int, lowHeight: Int
    /// Chroma channels (2 for a*b*).
    public let channels: Int
    /// Size of the full-resolution output (and guide).
    public let outputWidth: Int, outputHeight: Int
    /// Ā for each channel, then B̄ for each channel: `2·channels` low-resolution planes.
    public let coefficients: PlanarImage

    // Horizontal bilinear taps from output columns to low-resolution columns.
    private let x0: [Int], x1: [Int], wx: [Float]

    /// Fits the coefficients.
    /// - Parameters:
    ///   - source: the low-resolution chroma (any number of channels, typically a*, b*).
    ///   - guideLow: the lightness at the same low resolution (1 channel).
    ///   - outputWidth, outputHeight: the full resolution to produce.
    ///   - radius: box radius in low-resolution pixels (≥ 0).
    ///   - epsilon: regulariser, in squared guide units (> 0).
    public init(source: PlanarImage, guideLow: PlanarImage, outputWidth: Int, outputHeight: Int,
                radius: Int, epsilon: Float) {
        precondition(guideLow.channels == 1, "the guide must have 1 channel (L*), not \(guideLow.channels)")
        precondition(source.width == guideLow.width && source.height == guideLow.height,
                     "source is \(source.width)×\(source.height) but the low-resolution guide is \(guideLow.width)×\(guideLow.height)")
        precondition(source.width > 0 && source.height > 0 && outputWidth > 0 && outputHeight > 0, "empty image")
        precondition(radius >= 0 && epsilon > 0, "radius must be ≥ 0 and epsilon > 0")
        lowWidth = source.width
        lowHeight = source.height
        channels = source.channels
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        coefficients = GuidedUpsampler.fit(source: source, guide: guideLow, radius: radius, epsilon: Double(epsilon))

        let scale = Double(lowWidth) / Double(outputWidth)
        var x0 = [Int](), x1 = [Int](), wx = [Float]()
        for x in 0..<outputWidth {
            let s = max((Double(x) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(s), lowWidth - 1)
            x0.append(i0)
            x1.append(min(i0 + 1, lowWidth - 1))
            wx.append(Float(s - Double(i0)))
        }
        self.x0 = x0
        self.x1 = x1
        self.wx = wx
    }

    /// Ā and B̄ at low resolution (in Double, stored as Float). One channel at a time (each box
    /// mean is parallel itself): running the channels side by side held twice the scratch planes
    /// and raised a 24 MP colourization's peak memory by ~90 MB. The per-pixel steps between the
    /// box means run in parallel too (`perPixel`; the same arithmetic per pixel). Box means are
    /// taken in place (`BoxFilter.meanInPlace`, one shared scratch plane) and each plane is reused
    /// as soon as it is consumed: mean(L), var(L) and two working planes per channel, not the ten
    /// Double planes of a plane per quantity (126 MB at a 24 MP photo's 1536×1024 fusion size).
    private static func fit(source: PlanarImage, guide: PlanarImage, radius r: Int, epsilon: Double) -> PlanarImage {
        let w = source.width, h = source.height, n = w * h, C = source.channels
        var scratch = [Double](repeating: 0, count: n)
        var meanI = perPixel(n) { i in Double(guide.data[i]) }
        var variance = perPixel(n) { i in Double(guide.data[i]) * Double(guide.data[i]) }
        scratch.withUnsafeMutableBufferPointer { s in
            meanI.withUnsafeMutableBufferPointer { BoxFilter.meanInPlace($0, scratch: s, width: w, height: h, radius: r) }
            variance.withUnsafeMutableBufferPointer { BoxFilter.meanInPlace($0, scratch: s, width: w, height: h, radius: r) }
        }
        // variance holds mean(L·L) until here.
        variance.withUnsafeMutableBufferPointer { v in
            let v = v.baseAddress!
            Parallel.forEachChunk(count: n, workPerItem: 4) { range in
                for i in range { v[i] = max(v[i] - meanI[i] * meanI[i], 0) }
            }
        }
        var out = PlanarImage(width: w, height: h, channels: 2 * C)
        var p = [Double](repeating: 0, count: n), ip = p
        for c in 0..<C {
            p.withUnsafeMutableBufferPointer { pa in
                ip.withUnsafeMutableBufferPointer { pb in
                    let pa = pa.baseAddress!, pb = pb.baseAddress!
                    Parallel.forEachChunk(count: n, workPerItem: 4) { range in
                        for i in range {
                            let value = Double(source.data[c * n + i])
                            pa[i] = value
                            pb[i] = Double(guide.data[i]) * value
                        }
                    }
                }
            }
            scratch.withUnsafeMutableBufferPointer { s in
                p.withUnsafeMutableBufferPointer { BoxFilter.meanInPlace($0, scratch: s, width: w, height: h, radius: r) }
                ip.withUnsafeMutableBufferPointer { BoxFilter.meanInPlace($0, scratch: s, width: w, height: h, radius: r) }
            }
            // p = mean(p), ip = mean(I·p) → p = B, ip = A (each pixel reads both before writing).
            p.withUnsafeMutableBufferPointer { pa in
                ip.withUnsafeMutableBufferPointer { pb in
                    let pa = pa.baseAddress!, pb = pb.baseAddress!
                    Parallel.forEachChunk(count: n, workPerItem: 8) { range in
                        for i in range {
                            let meanP = pa[i]
                            let A = (pb[i] - meanI[i] * meanP) / (variance[i] + epsilon)
                            pb[i] = A
                            pa[i] = meanP - A * meanI[i]
                        }
                    }
                }
            }
            scratch.withUnsafeMutableBufferPointer { s in
                p.withUnsafeMutableBufferPointer { BoxFilter.meanInPlace($0, scratch: s, width: w, height: h, radius: r) }
                ip.withUnsafeMutableBufferPointer { BoxFilter.meanInPlace($0, scratch: s, width: w, height: h, radius: r) }
            }
            out.data.withUnsafeMutableBufferPointer { o in
                let o = o.baseAddress!
                Parallel.forEachChunk(count: n, workPerItem: 4) { range in
                    for i in range {
                        o[c * n + i] = Float(ip[i])
                        o[(C + c) * n + i] = Float(p[i])
                    }
                }
            }
        }
        return out
    }

    /// `(0..<n).map(value)` computed in parallel chunks.
    private static func perPixel(_ n: Int, _ value: (Int) -> Double) -> [Double] {
        if n == 0 { return [] }
        return [Double](unsafeUninitializedCapacity: n) { buffer, count in
            let base = buffer.baseAddress!
            Parallel.forEachChunk(count: n, workPerItem: 4) { range in
                for i in range { (base + i).initialize(to: value(i)) }
            }
            count = n
        }
    }

    /// Computes output rows `rows` (a band) from the same rows of the full-resolution guide.
    ///
    /// - Parameters:
    ///   - rows: output rows to produce, within `0 ..< outputHeight`.
    ///   - guide: those rows of the full-resolution L*: `outputWidth × rows.count`, 1 channel.
    /// - Returns: the chroma band, `outputWidth × rows.count × channels`.
    public func upsampleRows(_ rows: Range<Int>, guide: PlanarImage) -> PlanarImage {
        precondition(guide.channels == 1 && guide.width == outputWidth && guide.height == rows.count,
                     "the guide band must be \(outputWidth)×\(rows.count) with 1 channel")
        var out = PlanarImage(width: outputWidth, height: rows.count, channels: channels)
        guide.data.withUnsafeBufferPointer { g in
            out.data.withUnsafeMutableBufferPointer { o in
                upsampleRows(rows, guide: g.baseAddress!, output: o.baseAddress!, outputPlaneStride: rows.count * outputWidth)
            }
        }
        return out
    }

    /// Low-level band API: writes rows `rows` of every channel into caller memory.
    ///
    /// - `guide`: `rows.count × outputWidth` L* samples (row-major, the band's rows only);
    /// - `output`: channel c's row `rows.lowerBound + j` is written at
    ///   `output + c · outputPlaneStride + j · outputWidth`.
    ///
    /// Rows are processed in parallel when the band is large.
    public func upsampleRows(_ rows: Range<Int>, guide: UnsafePointer<Float>,
                             output: UnsafeMutablePointer<Float>, outputPlaneStride: Int) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= outputHeight, "rows \(rows) out of 0..<\(outputHeight)")
        let W = outputWidth, lw = lowWidth, n = lowWidth * lowHeight, C = channels
        let scaleY = Double(lowHeight) / Double(outputHeight)
        coefficients.data.withUnsafeBufferPointer { coefficientBuffer in
            let coef = coefficientBuffer.baseAddress!
            x0.withUnsafeBufferPointer { x0 in
                x1.withUnsafeBufferPointer { x1 in
                    wx.withUnsafeBufferPointer { wx in
                        Parallel.forEachChunk(count: rows.count, workPerItem: W * C) { chunk in
                            // Scratch: Ā and B̄ of one channel blended vertically, at low-res width
                            // (pointers: the gathers below are then free of bounds checks).
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * lw)
                            defer { scratch.deallocate() }
                            let rowA = scratch, rowB = scratch + lw
                            for j in chunk {
                                let y = rows.lowerBound + j
                                let sy = max((Double(y) + 0.5) * scaleY - 0.5, 0)
                                let y0 = min(Int(sy), lowHeight - 1), y1 = min(y0 + 1, lowHeight - 1)
                                let wy = Float(sy - Double(y0))
                                let g = guide + j * W
                                for c in 0..<C {
                                    let a = coef + c * n, b = coef + (C + c) * n
                                    for x in 0..<lw {
                                        rowA[x] = a[y0 * lw + x] + wy * (a[y1 * lw + x] - a[y0 * lw + x])
                                        rowB[x] = b[y0 * lw + x] + wy * (b[y1 * lw + x] - b[y0 * lw + x])
                                    }
                                    let o = output + c * outputPlaneStride + j * W
                                    for x in 0..<W {
                                        let i0 = x0[x], i1 = x1[x], t = wx[x]
                                        let A = rowA[i0] + t * (rowA[i1] - rowA[i0])
                                        let B = rowB[i0] + t * (rowB[i1] - rowB[i0])
                                        o[x] = A * g[x] + B
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The whole full-resolution chroma at once (`outputWidth × outputHeight × channels`).
    public func upsample(guide: PlanarImage) -> PlanarImage {
        precondition(guide.channels == 1 && guide.width == outputWidth && guide.height == outputHeight,
                     "the guide must be \(outputWidth)×\(outputHeight) with 1 channel")
        return upsampleRows(0..<outputHeight, guide: guide)
    }
}

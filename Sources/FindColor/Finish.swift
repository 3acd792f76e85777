import Foundation
import FindColorImage
import FindColorParallel

// Resampling shorthands used across the colorizer.
func resizeArea(_ image: PlanarImage, width: Int, height: Int) -> PlanarImage {
    image.resized(width: width, height: height, method: .area)
}

func resizeBilinear(_ image: PlanarImage, width: Int, height: Int) -> PlanarImage {
    image.resized(width: width, height: height, method: .bilinear)
}

func resizeBicubic(_ image: PlanarImage, width: Int, height: Int) -> PlanarImage {
    image.resized(width: width, height: height, method: .bicubic)
}

extension Colorizer {
    /// Guided upsampling of ab to L's resolution, then Lab → gamut-mapped sRGB.
    func finish(L: PlanarImage, ab: PlanarImage, guideLow: PlanarImage) -> PlanarImage {
        if ab.width >= L.width && ab.height >= L.height {
            let abFull = ab.width == L.width && ab.height == L.height ? ab : resizeArea(ab, width: L.width, height: L.height)
            return labToSRGB(lightness: L, ab: abFull)
        }
        return guidedColorize(L: L, ab: ab, guideLow: guideLow, radius: guidedRadius, epsilon: guidedEpsilon)
    }

    /// `finish` quantised to 8-bit interleaved RGB (the same samples as `InterleavedImage8(finish(…))`),
    /// row by row: the float result is never held whole.
    func finish8(L: PlanarImage, ab: PlanarImage, guideLow: PlanarImage) -> InterleavedImage8 {
        if ab.width >= L.width && ab.height >= L.height { return InterleavedImage8(finish(L: L, ab: ab, guideLow: guideLow)) }
        let W = L.width
        // Fitted before the result is allocated: the fit's scratch planes are gone by then.
        let up = GuidedUpsampler(source: ab, guideLow: guideLow, outputWidth: L.width, outputHeight: L.height,
                                 radius: guidedRadius, epsilon: guidedEpsilon)
        var samples = [UInt8](repeating: 0, count: 3 * L.planeSize)
        samples.withUnsafeMutableBufferPointer { output in
            let o = output.baseAddress!
            guidedRows(L: L, upsampler: up, scratch: 3 * W) { y, l, a, b, rgb in
                labToSRGB(count: W, L: l, a: a, b: b, red: rgb, green: rgb + W, blue: rgb + 2 * W)
                quantizeRGB8(count: W, red: rgb, green: rgb + W, blue: rgb + 2 * W, into: o + 3 * y * W)
            }
        }
        return InterleavedImage8(width: W, height: L.height, channels: 3, samples: samples)
    }
}

/// Full-resolution colour from low-resolution ab: guided-filter upsampling (edges follow the
/// full-resolution L*) and Lab → gamut-mapped sRGB, row by row straight into the result (each
/// thread holds one row of chroma), so that only the output and L* are ever held at full
/// resolution, whatever the photo's shape. (Bands of rows through separate upsampled-chroma and
/// sRGB images, and copies of them, were 100–150 ms of a 12 MP colourization.)
func guidedColorize(L: PlanarImage, ab: PlanarImage, guideLow: PlanarImage, radius: Int, epsilon: Float) -> PlanarImage {
    let W = L.width, n = L.planeSize
    let up = GuidedUpsampler(source: ab, guideLow: guideLow, outputWidth: L.width, outputHeight: L.height,
                             radius: radius, epsilon: epsilon)
    var rgb = PlanarImage(width: W, height: L.height, channels: 3)
    rgb.data.withUnsafeMutableBufferPointer { output in
        let o = output.baseAddress!
        guidedRows(L: L, upsampler: up, scratch: 0) { y, l, a, b, _ in
            let row = y * W
            labToSRGB(count: W, L: l, a: a, b: b, red: o + row, green: o + n + row, blue: o + 2 * n + row)
        }
    }
    return rgb
}

/// `body(y, L row, a row, b row, scratch)` for every output row of the fitted upsampler, rows split
/// over the threads (each with its own chroma row and `scratch` floats).
private func guidedRows(L: PlanarImage, upsampler up: GuidedUpsampler, scratch: Int,
                        _ body: (Int, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
    let W = L.width
    L.data.withUnsafeBufferPointer { lightness in
        let l = lightness.baseAddress!
        Parallel.forEachChunk(count: L.height, workPerItem: W * 8) { rows in
            var buffer = [Float](repeating: 0, count: 2 * W + scratch)
            buffer.withUnsafeMutableBufferPointer { c in
                let a = c.baseAddress!, b = a + W
                for y in rows {
                    up.upsampleRows(y..<y + 1, guide: l + y * W, output: a, outputPlaneStride: W)
                    body(y, l + y * W, a, b, a + 2 * W)
                }
            }
        }
    }
}

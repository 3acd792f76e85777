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
}

/// Full-resolution colour from low-resolution ab: guided-filter upsampling (edges follow the
/// full-resolution L*) and Lab → gamut-mapped sRGB, row by row straight into the result (each
/// thread holds one row of chroma), so that only the output and L* are ever held at full
/// resolution, whatever the photo's shape. (Bands of rows through separate upsampled-chroma and
/// sRGB images, and copies of them, were 100–150 ms of a 12 MP colourization.)
func guidedColorize(L: PlanarImage, ab: PlanarImage, guideLow: PlanarImage, radius: Int, epsilon: Float) -> PlanarImage {
    let up = GuidedUpsampler(source: ab, guideLow: guideLow, outputWidth: L.width, outputHeight: L.height,
                             radius: radius, epsilon: epsilon)
    let W = L.width, n = L.planeSize
    var rgb = PlanarImage(width: W, height: L.height, channels: 3)
    L.data.withUnsafeBufferPointer { lightness in
        rgb.data.withUnsafeMutableBufferPointer { output in
            let l = lightness.baseAddress!, o = output.baseAddress!
            Parallel.forEachChunk(count: L.height, workPerItem: W * 8) { rows in
                var chroma = [Float](repeating: 0, count: 2 * W)
                chroma.withUnsafeMutableBufferPointer { c in
                    let a = c.baseAddress!, b = a + W
                    for y in rows {
                        let row = y * W
                        up.upsampleRows(y..<y + 1, guide: l + row, output: a, outputPlaneStride: W)
                        labToSRGB(count: W, L: l + row, a: a, b: b, red: o + row, green: o + n + row, blue: o + 2 * n + row)
                    }
                }
            }
        }
    }
    return rgb
}

import Foundation
import FindColorImage

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
/// full-resolution L*) and Lab → gamut-mapped sRGB, in bands of whole rows of about `bandPixels`
/// pixels, so that only the output, L* and one band of chroma (~24 bytes per band pixel) are ever
/// held at full resolution, whatever the photo's shape (bands of a fixed 256 rows were the whole
/// photo for a 390625×256 strip: 2.4 GB more at 100 MP).
func guidedColorize(L: PlanarImage, ab: PlanarImage, guideLow: PlanarImage, radius: Int, epsilon: Float,
                    bandPixels: Int = 1 << 20) -> PlanarImage {
    let up = GuidedUpsampler(source: ab, guideLow: guideLow, outputWidth: L.width, outputHeight: L.height,
                             radius: radius, epsilon: epsilon)
    let bandRows = max(1, bandPixels / max(1, L.width))
    var rgb = PlanarImage(width: L.width, height: L.height, channels: 3)
    let n = L.planeSize, W = L.width
    var y0 = 0
    while y0 < L.height {
        let rows = y0..<min(L.height, y0 + bandRows)
        let guide = L.rows(rows)
        let abBand = up.upsampleRows(rows, guide: guide)
        let band = labToSRGB(lightness: guide, ab: abBand)
        let m = band.planeSize
        for c in 0..<3 {
            rgb.data.replaceSubrange(c * n + rows.lowerBound * W ..< c * n + rows.upperBound * W,
                                     with: band.data[c * m ..< (c + 1) * m])
        }
        y0 = rows.upperBound
    }
    return rgb
}

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

/// Full-resolution colour from low-resolution ab: guided-filter upsampling (edges follow the
/// full-resolution L*) and Lab → gamut-mapped sRGB, in bands of rows so that only the output, L*
/// and one band of chroma are ever held at full resolution.
func guidedColorize(L: PlanarImage, ab: PlanarImage, guideLow: PlanarImage, radius: Int, epsilon: Float,
                    bandRows: Int = 256) -> PlanarImage {
    let up = GuidedUpsampler(source: ab, guideLow: guideLow, outputWidth: L.width, outputHeight: L.height,
                             radius: radius, epsilon: epsilon)
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

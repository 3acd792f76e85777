import FindColorImage

/// Small previews of photos for the project list.
enum Thumbnail {
    /// Longest side of a thumbnail, in pixels.
    static let maxSide = 320

    /// `image` shrunk (area average) so that its longest side is at most `maxSide`, as 3-channel sRGB.
    static func make(from image: PlanarImage, maxSide: Int = Thumbnail.maxSide) -> PlanarImage {
        let scale = min(1, Double(maxSide) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        let small = areaAverage(image, width: width, height: height)
        if small.channels == 3 { return small }
        let gray = small.channel(0)
        return PlanarImage(stacking: [gray, gray, gray])
    }

    /// Box-filter downscaling: each output pixel is the mean of the input pixels it covers.
    static func areaAverage(_ image: PlanarImage, width: Int, height: Int) -> PlanarImage {
        if width == image.width && height == image.height { return image }
        let channels = min(image.channels, 3)
        var out = [Float](repeating: 0, count: width * height * channels)
        let sx = Double(image.width) / Double(width)
        let sy = Double(image.height) / Double(height)
        image.data.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                let plane = src.baseAddress! + c * image.planeSize
                for oy in 0..<height {
                    let y0 = Int(Double(oy) * sy), y1 = max(y0 + 1, min(image.height, Int(Double(oy + 1) * sy)))
                    for ox in 0..<width {
                        let x0 = Int(Double(ox) * sx), x1 = max(x0 + 1, min(image.width, Int(Double(ox + 1) * sx)))
                        var sum: Float = 0
                        for y in y0..<y1 {
                            let row = plane + y * image.width
                            for x in x0..<x1 { sum += row[x] }
                        }
                        out[c * width * height + oy * width + ox] = sum / Float((y1 - y0) * (x1 - x0))
                    }
                }
            }
        }
        return PlanarImage(width: width, height: height, channels: channels, data: out)
    }
}

extension PlanarImage {
    /// The rectangle `x ..< x + width`, `y ..< y + height` (all channels).
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> PlanarImage {
        precondition(x >= 0 && y >= 0 && cropWidth >= 0 && cropHeight >= 0
                     && x + cropWidth <= width && y + cropHeight <= height,
                     "crop \(cropWidth)×\(cropHeight) at (\(x), \(y)) does not fit in \(width)×\(height)")
        if x == 0 && y == 0 && cropWidth == width && cropHeight == height { return self }
        var out = [Float]()
        out.reserveCapacity(cropWidth * cropHeight * channels)
        for c in 0..<channels {
            for row in y ..< y + cropHeight {
                let start = c * planeSize + row * width + x
                out.append(contentsOf: data[start ..< start + cropWidth])
            }
        }
        return PlanarImage(width: cropWidth, height: cropHeight, channels: channels, data: out)
    }
}

/// Mirror index without edge repetition: …, 2, 1, [0, 1, …, n−1], n−2, n−3, … (period 2(n − 1)),
/// the rule of PyTorch's `F.pad(mode="reflect")`; an index further out keeps reflecting back and
/// forth (PyTorch refuses that case), and a 1-pixel-wide axis is replicated. The network's input is
/// padded to its multiple of 32 with this rule.
@inlinable @inline(__always)
public func reflectIndex(_ i: Int, count n: Int) -> Int {
    if n == 1 { return 0 }
    let period = 2 * (n - 1)
    var k = i % period
    if k < 0 { k += period }
    return k < n ? k : period - k
}

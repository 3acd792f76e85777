/// Pixels added around an image (e.g. so that its size is a multiple of a network's stride), to be
/// removed again from the result with `PlanarImage.removingPadding(_:)`.
public struct Padding: Equatable, Sendable {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) {
        precondition(top >= 0 && left >= 0 && bottom >= 0 && right >= 0, "padding cannot be negative")
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    public static let zero = Padding()

    public var isZero: Bool { self == .zero }
}

extension PlanarImage {
    /// The image extended by mirror reflection without repeating the edge pixel, like PyTorch's
    /// `F.pad(mode="reflect")`: for a row `a b c d`, padding 2 on the left gives `c b | a b c d`.
    /// Padding wider than the image keeps reflecting back and forth (PyTorch refuses that case);
    /// a 1-pixel-wide axis is replicated.
    public func reflectPadded(_ padding: Padding) -> PlanarImage {
        if padding.isZero { return self }
        precondition(width > 0 && height > 0, "cannot pad an empty image")
        let outW = width + padding.left + padding.right
        let outH = height + padding.top + padding.bottom
        let columns = (0..<outW).map { reflectIndex($0 - padding.left, count: width) }
        let rowsMap = (0..<outH).map { reflectIndex($0 - padding.top, count: height) }
        var out = PlanarImage(width: outW, height: outH, channels: channels)
        let plane = planeSize, w = width
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(count: channels * outH, workPerItem: outW) { rows in
                    for row in rows {
                        let c = row / outH, y = row % outH
                        let input = s + c * plane + rowsMap[y] * w
                        let output = d + row * outW
                        for x in 0..<outW { output[x] = input[columns[x]] }
                    }
                }
            }
        }
        return out
    }

    /// Reflect-pads on the right and bottom so that width and height become multiples of
    /// `multiple`. Returns the padded image and the padding to remove afterwards.
    public func reflectPadded(toMultipleOf multiple: Int) -> (image: PlanarImage, padding: Padding) {
        precondition(multiple >= 1, "the multiple must be at least 1")
        let padding = Padding(bottom: (multiple - height % multiple) % multiple,
                              right: (multiple - width % multiple) % multiple)
        return (reflectPadded(padding), padding)
    }

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

    /// Undoes a padding: crops `padding` away from each side.
    public func removingPadding(_ padding: Padding) -> PlanarImage {
        cropped(x: padding.left, y: padding.top,
                width: width - padding.left - padding.right, height: height - padding.top - padding.bottom)
    }
}

/// Mirror index without edge repetition: …, 2, 1, [0, 1, …, n−1], n−2, n−3, … (period 2(n − 1)).
@inline(__always)
func reflectIndex(_ i: Int, count n: Int) -> Int {
    if n == 1 { return 0 }
    let period = 2 * (n - 1)
    var k = i % period
    if k < 0 { k += period }
    return k < n ? k : period - k
}

import FindColorParallel

/// EXIF / TIFF orientation (tag 0x0112, values 1...8): how the stored pixels must be flipped or
/// rotated to be displayed upright.
///
/// | value | stored row 0 is shown as | column 0 is shown as | to display            |
/// |-------|--------------------------|----------------------|-----------------------|
/// | 1     | top                      | left                 | nothing               |
/// | 2     | top                      | right                | flip horizontally     |
/// | 3     | bottom                   | right                | rotate 180°           |
/// | 4     | bottom                   | left                 | flip vertically       |
/// | 5     | left                     | top                  | transpose             |
/// | 6     | right                    | top                  | rotate 90° clockwise  |
/// | 7     | right                    | bottom               | transverse            |
/// | 8     | left                     | bottom               | rotate 90° counter-clockwise |
public enum Orientation {
    /// True for orientations 5...8, which swap width and height.
    public static func swapsAxes(_ orientation: Int) -> Bool { (5...8).contains(orientation) }

    /// The stored pixel shown at display position (x, y), for a stored image `width × height`.
    @inline(__always)
    static func storedPosition(displayX x: Int, displayY y: Int, width: Int, height: Int,
                               orientation: Int) -> (x: Int, y: Int) {
        switch orientation {
        case 2: return (width - 1 - x, y)
        case 3: return (width - 1 - x, height - 1 - y)
        case 4: return (x, height - 1 - y)
        case 5: return (y, x)
        case 6: return (y, height - 1 - x)
        case 7: return (width - 1 - y, height - 1 - x)
        case 8: return (width - 1 - y, x)
        default: return (x, y)
        }
    }
}

extension PlanarImage {
    /// The image as it should be displayed for the given orientation (1...8; anything else is
    /// treated as 1). Orientations 5...8 swap width and height.
    public func applyingOrientation(_ orientation: Int) -> PlanarImage {
        guard (2...8).contains(orientation) else { return self }
        let swap = Orientation.swapsAxes(orientation)
        let outW = swap ? height : width, outH = swap ? width : height
        var out = PlanarImage(width: outW, height: outH, channels: channels)
        let plane = planeSize, w = width, h = height
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(count: outH, workPerItem: outW * channels) { rows in
                    for c in 0..<channels {
                        let sp = s + c * plane, dp = d + c * plane
                        for y in rows {
                            for x in 0..<outW {
                                let p = Orientation.storedPosition(displayX: x, displayY: y, width: w, height: h,
                                                                   orientation: orientation)
                                dp[y * outW + x] = sp[p.y * w + p.x]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

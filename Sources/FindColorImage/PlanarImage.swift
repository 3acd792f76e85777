/// A planar Float32 image: `channels` planes of `width × height` samples, stored one plane after
/// the other (channel-major), rows top to bottom, pixels left to right:
///
///     data[c * width * height + y * width + x]
///
/// The meaning of the samples depends on the use (see the type aliases below):
/// - `RGBImage`: 3 channels, sRGB-encoded (gamma-compressed) red, green, blue in [0, 1];
/// - `GrayImage`: 1 channel, sRGB-encoded gray in [0, 1];
/// - `LightnessImage`: 1 channel, CIE L* in [0, 100];
/// - `ABImage`: 2 channels, CIE a* and b* (roughly [-110, 110]);
/// - `LabImage`: 3 channels, L*, a*, b*.
///
/// Planar storage keeps each channel contiguous, which is what the colour conversions, resampling
/// and filters want (tight, vectorisable loops over one plane at a time).
public struct PlanarImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    /// `channels * width * height` samples, channel-major.
    public var data: [Float]

    /// Wraps existing samples. `data.count` must be `channels * width * height`.
    public init(width: Int, height: Int, channels: Int, data: [Float]) {
        precondition(width >= 0 && height >= 0 && channels >= 1, "invalid image shape \(width)×\(height)×\(channels)")
        precondition(data.count == width * height * channels,
                     "data has \(data.count) samples, expected \(width)×\(height)×\(channels) = \(width * height * channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.data = data
    }

    /// An image with every sample set to `value`.
    public init(width: Int, height: Int, channels: Int, repeating value: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  data: [Float](repeating: value, count: width * height * channels))
    }

    /// Builds an image whose channel values are produced by `value(x, y, c)`.
    public init(width: Int, height: Int, channels: Int, _ value: (_ x: Int, _ y: Int, _ c: Int) -> Float) {
        var data = [Float](repeating: 0, count: width * height * channels)
        var i = 0
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    data[i] = value(x, y, c)
                    i += 1
                }
            }
        }
        self.init(width: width, height: height, channels: channels, data: data)
    }

    /// Stacks single-plane images (all the same size) into one multi-channel image.
    public init(stacking images: [PlanarImage]) {
        precondition(!images.isEmpty, "cannot stack zero images")
        let width = images[0].width, height = images[0].height
        var data: [Float] = []
        data.reserveCapacity(width * height * images.reduce(0) { $0 + $1.channels })
        for image in images {
            precondition(image.width == width && image.height == height,
                         "cannot stack a \(image.width)×\(image.height) image with a \(width)×\(height) one")
            data.append(contentsOf: image.data)
        }
        self.init(width: width, height: height, channels: data.count / max(1, width * height), data: data)
    }

    /// Number of samples in one channel plane (`width * height`).
    @inlinable public var planeSize: Int { width * height }

    /// The sample of channel `c` at column `x`, row `y`.
    @inlinable public subscript(x: Int, y: Int, c: Int) -> Float {
        get { data[c * width * height + y * width + x] }
        set { data[c * width * height + y * width + x] = newValue }
    }

    /// The samples of channel `c` (a copy).
    public func plane(_ c: Int) -> [Float] {
        precondition(c >= 0 && c < channels, "channel \(c) out of range 0..<\(channels)")
        return Array(data[c * planeSize ..< (c + 1) * planeSize])
    }

    /// A one-channel image holding channel `c`.
    public func channel(_ c: Int) -> PlanarImage {
        PlanarImage(width: width, height: height, channels: 1, data: plane(c))
    }

    /// An image holding the channels in `range` (e.g. `1..<3` for the a*, b* of a Lab image).
    public func channels(_ range: Range<Int>) -> PlanarImage {
        precondition(range.lowerBound >= 0 && range.upperBound <= channels && !range.isEmpty,
                     "channel range \(range) out of 0..<\(channels)")
        return PlanarImage(width: width, height: height, channels: range.count,
                           data: Array(data[range.lowerBound * planeSize ..< range.upperBound * planeSize]))
    }

    /// The band of rows `rows` (all channels), as an image `width × rows.count`.
    public func rows(_ rows: Range<Int>) -> PlanarImage {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height, "rows \(rows) out of 0..<\(height)")
        var out = [Float]()
        out.reserveCapacity(rows.count * width * channels)
        for c in 0..<channels {
            let start = c * planeSize + rows.lowerBound * width
            out.append(contentsOf: data[start ..< start + rows.count * width])
        }
        return PlanarImage(width: width, height: rows.count, channels: channels, data: out)
    }

    /// Smallest and largest sample over all channels (`(0, 0)` for an empty image).
    public var range: (min: Float, max: Float) {
        guard let first = data.first else { return (0, 0) }
        var lo = first, hi = first
        for v in data {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        return (lo, hi)
    }

    /// Every sample clamped to `[lower, upper]`.
    public func clamped(to lower: Float = 0, _ upper: Float = 1) -> PlanarImage {
        var copy = self
        for i in copy.data.indices {
            copy.data[i] = Swift.min(Swift.max(copy.data[i], lower), upper)
        }
        return copy
    }
}

/// 1 channel, sRGB-encoded gray in [0, 1].
public typealias GrayImage = PlanarImage
/// 3 channels, sRGB-encoded R, G, B in [0, 1].
public typealias RGBImage = PlanarImage
/// 1 channel, CIE L* in [0, 100].
public typealias LightnessImage = PlanarImage
/// 2 channels, CIE a* and b*.
public typealias ABImage = PlanarImage
/// 3 channels, CIE L*, a*, b*.
public typealias LabImage = PlanarImage

import FindColorParallel

/// Conversions between the interleaved integer pixels that codecs use (RGBRGB..., 8 or 16 bits)
/// and planar Float images in [0, 1].
enum SampleConversion {
    /// How an alpha channel in the source must be removed.
    enum Alpha {
        /// No alpha channel.
        case none
        /// Colour samples are not multiplied by alpha ("straight", as PNG/TIFF store them).
        case straight
        /// Colour samples are already multiplied by alpha ("associated").
        case premultiplied
    }

    /// Converts interleaved pixels to a planar image of `colorChannels` (1 or 3) channels.
    ///
    /// Each source pixel has `storedChannels` samples: the colour samples first, the alpha sample (when
    /// `alpha != .none`) at `alphaIndex` (default: right after the colour samples), others ignored
    /// (e.g. the G, B of an RGBA pixel whose gray value is read from R). Samples are
    /// divided by `T.max`; alpha is removed by compositing over white:
    /// `out = c·α + (1 − α)` for straight alpha, `out = c + (1 − α)` for premultiplied alpha.
    /// `invert` maps v → 1 − v first (TIFF "min-is-white" gray).
    static func planar<T: FixedWidthInteger & UnsignedInteger>(
        from src: UnsafePointer<T>, width: Int, height: Int,
        storedChannels: Int, colorChannels: Int, alpha: Alpha, alphaIndex: Int? = nil, invert: Bool = false
    ) -> PlanarImage {
        let alphaAt = alphaIndex ?? colorChannels
        precondition(colorChannels <= storedChannels && (alpha == .none || alphaAt < storedChannels),
                     "pixel layout does not fit in \(storedChannels) samples")
        var out = PlanarImage(width: width, height: height, channels: colorChannels)
        let n = width * height
        let scale = 1 / Float(T.max)
        out.data.withUnsafeMutableBufferPointer { dst in
            let d = dst.baseAddress!
            Parallel.forEachChunk(count: height, workPerItem: width * storedChannels) { rows in
                for i in rows.lowerBound * width ..< rows.upperBound * width {
                    let p = src + i * storedChannels
                    let a: Float = alpha == .none ? 1 : Float(p[alphaAt]) * scale
                    for c in 0..<colorChannels {
                        var v = Float(p[c]) * scale
                        if invert { v = 1 - v }
                        switch alpha {
                        case .none: break
                        case .straight: v = v * a + (1 - a)
                        case .premultiplied: v = v + (1 - a)
                        }
                        d[c * n + i] = min(max(v, 0), 1)
                    }
                }
            }
        }
        return out
    }

    /// Converts a planar image to interleaved integer samples (`channels` per pixel), each value
    /// clamped to [0, 1] (NaN → 0) and rounded to the nearest level of `T`.
    static func interleaved<T: FixedWidthInteger & UnsignedInteger>(_ image: PlanarImage, as type: T.Type) -> [T] {
        let n = image.planeSize, channels = image.channels, width = image.width
        var out = [T](repeating: 0, count: n * channels)
        let maxValue = Float(T.max)
        image.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(count: image.height, workPerItem: width * channels) { rows in
                    for i in rows.lowerBound * width ..< rows.upperBound * width {
                        for c in 0..<channels {
                            d[i * channels + c] = quantize(s[c * n + i], maxValue: maxValue)
                        }
                    }
                }
            }
        }
        return out
    }

    /// round(clamp(v, 0, 1) · maxValue), with NaN mapped to 0.
    @inline(__always)
    static func quantize<T: FixedWidthInteger & UnsignedInteger>(_ v: Float, maxValue: Float) -> T {
        let clamped: Float = v > 0 ? (v < 1 ? v : 1) : 0 // NaN fails `v > 0` and becomes 0
        // Through Int32 (one instruction; the value is at most 65535): the generic `T(Float)` checks
        // the float's exponent and significand per sample and cost more than the PNG's compression.
        return T(truncatingIfNeeded: Int32((clamped * maxValue).rounded()))
    }
}

/// 8-bit samples, interleaved (RGBRGB… or gray), row-major: what the 8-bit encoders take. A
/// colourization written straight into this form (`Colorizer.colorize8`) never holds the 4-byte
/// float planes of the whole result (12 bytes per pixel against 3).
public struct InterleavedImage8: Sendable, Equatable {
    public let width: Int, height: Int, channels: Int
    public var samples: [UInt8]

    public init(width: Int, height: Int, channels: Int, samples: [UInt8]) {
        precondition(samples.count == width * height * channels, "\(samples.count) samples for \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// The 8-bit form of a float image in [0, 1], quantised as every 8-bit encoder does.
    public init(_ image: PlanarImage) {
        self.init(width: image.width, height: image.height, channels: image.channels,
                  samples: SampleConversion.interleaved(image, as: UInt8.self))
    }
}

/// `count` sRGB pixels given as three float arrays in [0, 1] → interleaved 8-bit RGB, quantised as
/// every 8-bit encoder does (round(clamp(v, 0, 1) · 255), NaN → 0).
public func quantizeRGB8(count: Int, red: UnsafePointer<Float>, green: UnsafePointer<Float>, blue: UnsafePointer<Float>,
                         into out: UnsafeMutablePointer<UInt8>) {
    // 8 pixels at a time: the same values as `SampleConversion.quantize` (tested on every rounding
    // boundary), without its per-sample float → integer conversion checks.
    @inline(__always) func lanes(_ p: UnsafePointer<Float>) -> SIMD8<UInt32> {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        let c = v.replacing(with: 0, where: .!(v .> 0)).replacing(with: 1, where: v .> 1)  // NaN → 0
        // round(x) for x ≥ 0, ties away from zero, as floor(x + 0.49999997) (LLVM's expansion of
        // `round`: adding 0.5 instead would round 0.49999997 up).
        let q = (c * 255 + 0.49999997).rounded(.down)
        // q is an integer in [0, 255]: added to 2²³ it is the low bits of the sum's significand.
        return unsafeBitCast(q + 8_388_608, to: SIMD8<UInt32>.self) & 0x7F_FFFF
    }
    var start = 0
    while start + 8 <= count {
        let r = lanes(red + start), g = lanes(green + start), b = lanes(blue + start)
        let o = out + 3 * start
        for k in 0..<8 {
            o[3 * k] = UInt8(truncatingIfNeeded: r[k])
            o[3 * k + 1] = UInt8(truncatingIfNeeded: g[k])
            o[3 * k + 2] = UInt8(truncatingIfNeeded: b[k])
        }
        start += 8
    }
    for i in start..<count {
        out[3 * i] = SampleConversion.quantize(red[i], maxValue: 255)
        out[3 * i + 1] = SampleConversion.quantize(green[i], maxValue: 255)
        out[3 * i + 2] = SampleConversion.quantize(blue[i], maxValue: 255)
    }
}


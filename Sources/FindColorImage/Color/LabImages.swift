import FindColorParallel
import Foundation

// Whole-image colour conversions. Each works plane-wise with tight per-pixel loops, split over rows
// across the cores for large images (see `Parallel`).

/// sRGB-encoded RGB image (3 channels, [0, 1]) → L*a*b* image (3 channels: L*, a*, b*).
/// A 1-channel gray image is accepted too (a* = b* = 0 then).
public func srgbToLab(_ image: PlanarImage) -> LabImage {
    precondition(image.channels == 3 || image.channels == 1,
                 "srgbToLab needs a 1- or 3-channel sRGB image, got \(image.channels) channels")
    let n = image.planeSize
    var out = PlanarImage(width: image.width, height: image.height, channels: 3)
    if image.channels == 1 {
        let L = lightness(of: image)
        out.data.replaceSubrange(0..<n, with: L.data)
        return out
    }
    let width = image.width
    image.data.withUnsafeBufferPointer { src in
        out.data.withUnsafeMutableBufferPointer { dst in
            let s = src.baseAddress!, d = dst.baseAddress!
            Parallel.forEachChunk(count: image.height, workPerItem: width * 3) { rows in
                for i in rows.lowerBound * width ..< rows.upperBound * width {
                    let lab = CIELab.labFromLinear(SRGBTransfer.decode(s[i]),
                                                   SRGBTransfer.decode(s[n + i]),
                                                   SRGBTransfer.decode(s[2 * n + i]))
                    d[i] = lab.L
                    d[n + i] = lab.a
                    d[2 * n + i] = lab.b
                }
            }
        }
    }
    return out
}

/// L* of every pixel: for a 1-channel image, L* of the sRGB gray (v, v, v); for a 3-channel image
/// (colour or sepia-toned), L* of the colour. Result: 1 channel in [0, 100].
public func lightness(of image: PlanarImage) -> LightnessImage {
    precondition(image.channels == 3 || image.channels == 1,
                 "lightness(of:) needs a 1- or 3-channel sRGB image, got \(image.channels) channels")
    let n = image.planeSize, width = image.width
    if n == 0 { return PlanarImage(width: image.width, height: image.height, channels: 1) }
    let m = CIELab.fwd
    let grayFactor = CIELab.grayLuminanceFactor
    let channels = image.channels
    // Every sample is written below: no zero-filling first (a 12 MP plane is 48 MB).
    let samples = [Float](unsafeUninitializedCapacity: n) { dst, count in
        image.data.withUnsafeBufferPointer { src in
            let s = src.baseAddress!, d = dst.baseAddress!
            Parallel.forEachChunk(count: image.height, workPerItem: width * channels) { rows in
                let range = rows.lowerBound * width ..< rows.upperBound * width
                if channels == 1 {
                    let table = GrayLightness.table
                    for i in range {
                        let v = s[i]
                        d[i] = v >= 0 && v <= 1 ? table(v) : 116 * CIELab.f(grayFactor * SRGBTransfer.decode(v)) - 16
                    }
                } else {
                    for i in range {
                        let y = m.m10 * SRGBTransfer.decode(s[i])
                            + m.m11 * SRGBTransfer.decode(s[n + i])
                            + m.m12 * SRGBTransfer.decode(s[2 * n + i])
                        d[i] = 116 * CIELab.f(y) - 16
                    }
                }
            }
        }
        count = n
    }
    return PlanarImage(width: image.width, height: image.height, channels: 1, data: samples)
}

/// L* of 8-bit interleaved sRGB pixels (3 bytes each, `width × height`): the same values as
/// `lightness(of:)` of the planar image `SampleConversion.planar` makes of them (each byte's sRGB
/// decoding from a 256-entry table of the same `SRGBTransfer.decode`, then the same sum and
/// `CIELab.f`), without that image (12 bytes a pixel): a colour JPEG's L* without a
/// `powf` per sample (`ImageCodec.decodeLightness`).
public func lightness(ofRGB8 pixels: UnsafePointer<UInt8>, width: Int, height: Int) -> LightnessImage {
    let n = width * height
    if n == 0 { return PlanarImage(width: width, height: height, channels: 1) }
    let m = CIELab.fwd
    let r = RGB8Decoding.table.map { m.m10 * $0 }, g = RGB8Decoding.table.map { m.m11 * $0 }, b = RGB8Decoding.table.map { m.m12 * $0 }
    let samples = [Float](unsafeUninitializedCapacity: n) { dst, count in
        r.withUnsafeBufferPointer { r in
            g.withUnsafeBufferPointer { g in
                b.withUnsafeBufferPointer { b in
                    let d = dst.baseAddress!, r = r.baseAddress!, g = g.baseAddress!, b = b.baseAddress!
                    Parallel.forEachChunk(count: height, workPerItem: width * 3) { rows in
                        for i in rows.lowerBound * width ..< rows.upperBound * width {
                            let p = pixels + 3 * i
                            d[i] = 116 * CIELab.f(r[Int(p[0])] + g[Int(p[1])] + b[Int(p[2])]) - 16
                        }
                    }
                }
            }
        }
        count = n
    }
    return PlanarImage(width: width, height: height, channels: 1, data: samples)
}

/// `SRGBTransfer.decode` of each 8-bit level, as `SampleConversion.planar` scales it.
enum RGB8Decoding {
    static let table: [Float] = (0...255).map { i in
        SRGBTransfer.decode(min(max(Float(i) * (1 / Float(UInt8.max)), 0), 1))
    }
}

/// L*a*b* image (3 channels) → sRGB-encoded RGB image (3 channels, [0, 1]).
///
/// With `gamutMapping` (the default) out-of-gamut colours have their chroma reduced at constant L*
/// and hue (see `GamutMapping`); without it, channels are simply clamped to [0, 1].
public func labToSRGB(_ lab: LabImage, gamutMapping: Bool = true) -> RGBImage {
    precondition(lab.channels == 3, "labToSRGB needs a 3-channel L*a*b* image, got \(lab.channels) channels")
    let n = lab.planeSize
    return lab.data.withUnsafeBufferPointer { src in
        labToSRGB(width: lab.width, height: lab.height,
                  L: src.baseAddress!, a: src.baseAddress! + n, b: src.baseAddress! + 2 * n,
                  gamutMapping: gamutMapping)
    }
}

/// Recombines a lightness plane (1 channel, L*) with chroma planes (2 channels, a*, b*) of the same
/// size into an sRGB image. See `labToSRGB(_:gamutMapping:)`.
public func labToSRGB(lightness: LightnessImage, ab: ABImage, gamutMapping: Bool = true) -> RGBImage {
    precondition(lightness.channels == 1 && ab.channels == 2, "need 1 lightness channel and 2 chroma channels")
    precondition(lightness.width == ab.width && lightness.height == ab.height,
                 "lightness is \(lightness.width)×\(lightness.height) but ab is \(ab.width)×\(ab.height)")
    let n = ab.planeSize
    return lightness.data.withUnsafeBufferPointer { l in
        ab.data.withUnsafeBufferPointer { c in
            labToSRGB(width: ab.width, height: ab.height,
                      L: l.baseAddress!, a: c.baseAddress!, b: c.baseAddress! + n,
                      gamutMapping: gamutMapping)
        }
    }
}

private func labToSRGB(width: Int, height: Int,
                       L: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                       gamutMapping: Bool) -> RGBImage {
    let n = width * height
    var out = PlanarImage(width: width, height: height, channels: 3)
    out.data.withUnsafeMutableBufferPointer { dst in
        let d = dst.baseAddress!
        Parallel.forEachChunk(count: height, workPerItem: width * 3) { rows in
            let start = rows.lowerBound * width, count = rows.count * width
            labToSRGB(count: count, L: L + start, a: a + start, b: b + start,
                      red: d + start, green: d + n + start, blue: d + 2 * n + start, gamutMapping: gamutMapping)
        }
    }
    return out
}

/// `count` L*a*b* samples (three arrays) → sRGB-encoded samples in [0, 1] (three arrays), on the
/// calling thread: the per-pixel core of `labToSRGB`, for callers that produce chroma row by row
/// (the guided upsampling writes each output row straight into the result).
public func labToSRGB(count: Int, L: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                      red: UnsafeMutablePointer<Float>, green: UnsafeMutablePointer<Float>, blue: UnsafeMutablePointer<Float>,
                      gamutMapping: Bool = true) {
    let encode = SRGBTransfer.FastEncoder()
    var start = 0
    if gamutMapping {
        // 8 pixels at a time (`GamutMapping.mappedLinear` on SIMD lanes: identical values).
        while start + 8 <= count {
            let lin = GamutMapping.mappedLinear(L: UnsafeRawPointer(L + start).loadUnaligned(as: SIMD8<Float>.self),
                                                a: UnsafeRawPointer(a + start).loadUnaligned(as: SIMD8<Float>.self),
                                                b: UnsafeRawPointer(b + start).loadUnaligned(as: SIMD8<Float>.self))
            if let r = encode.lanes(lin.r), let g = encode.lanes(lin.g), let b = encode.lanes(lin.b) {
                // `clampUnit` on lanes (`clamped(lowerBound:upperBound:)` is an out-of-line generic call).
                @inline(__always) func unit(_ v: SIMD8<Float>) -> SIMD8<Float> {
                    v.replacing(with: 0, where: v .< 0).replacing(with: 1, where: v .> 1)
                }
                UnsafeMutableRawPointer(red + start).storeBytes(of: unit(r), as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(green + start).storeBytes(of: unit(g), as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(blue + start).storeBytes(of: unit(b), as: SIMD8<Float>.self)
            } else {
                for k in 0..<8 {
                    red[start + k] = GamutMapping.clampUnit(encode(lin.r[k]))
                    green[start + k] = GamutMapping.clampUnit(encode(lin.g[k]))
                    blue[start + k] = GamutMapping.clampUnit(encode(lin.b[k]))
                }
            }
            start += 8
        }
    }
    for i in start..<count {
        let lin = gamutMapping
            ? GamutMapping.mappedLinear(L: L[i], a: a[i], b: b[i])
            : CIELab.linearFromLab(L[i], a[i], b[i])
        red[i] = GamutMapping.clampUnit(encode(lin.r))
        green[i] = GamutMapping.clampUnit(encode(lin.g))
        blue[i] = GamutMapping.clampUnit(encode(lin.b))
    }
}

/// A gray sRGB image (1 channel, [0, 1]) whose L* is `lightness` (the inverse of
/// `lightness(of:)` for 1-channel images): how a repaired L* plane is written out.
public func grayImage(lightness: LightnessImage) -> PlanarImage {
    precondition(lightness.channels == 1, "grayImage needs 1 lightness channel, got \(lightness.channels)")
    var out = PlanarImage(width: lightness.width, height: lightness.height, channels: 1)
    let factor = CIELab.grayLuminanceFactor
    for i in lightness.data.indices {
        let L = min(100, max(0, lightness.data[i]))
        out.data[i] = min(1, max(0, SRGBTransfer.encode(CIELab.fInverse((L + 16) / 116) / factor)))
    }
    return out
}

/// L* of an sRGB gray value in [0, 1] by an `InterpolatedTable` instead of a `powf` and a `cbrtf`
/// per pixel (which were 5 % of a 12 MP colourization). L*(v) is smooth between its two joints
/// (v = 0.04045, and L* = 8); the interpolation stays within 1e-4 L* of `CIELab.lightness(ofGray:)`
/// (tested), far below what the network or an 8-bit output can tell.
enum GrayLightness {
    static let table = InterpolatedTable { v in Double(CIELab.lightness(ofGray: Float(v))) }
}

import Foundation
import FindColorImage
import FindColorNN

/// One pass of the network: L and hint planes in, ab (and on request the bin logits) out.
extension Colorizer {
    /// Runs the network once on L (L* in [0, 100], any size ≥ 1×1) with hints (3 planes, same size).
    /// The input is reflect-padded to a multiple of 32; returns ab in Lab units at the input's size.
    /// With `vividness` > 0 the result moves that far towards the annealed mean of the colour
    /// distribution (see `ColorizeSettings.vividness`).
    public func pass(L: PlanarImage, hints: PlanarImage, logits: Bool = false, vividness: Float = 0) -> (ab: PlanarImage, logits: Tensor?) {
        let W = L.width, H = L.height
        let lt = networkInput(L)
        let Hp = lt.h, Wp = lt.w
        // Hints are zero beyond the photo (no hint is mirrored into the padding).
        let ht = hints.data.withUnsafeBufferPointer {
            Tensor.fromPlanes($0, width: W, height: H, channels: 3, rows: (0..<Hp).map { $0 < H ? $0 : -1 },
                              columns: (0..<Wp).map { $0 < W ? $0 : -1 })
        }
        // A model whose encoder does not see the hints: the encoding of this L* from `passCache`
        // when a pass over it ran recently (a hint change then runs only the decoder).
        let encoding = network.encoderSeesHints ? nil : passCache?.encoding(of: L) { network.encode(L: lt) }
        let (ab, lg) = network(L: lt, hints: ht, logits: logits || vividness > 0, encoding: encoding)
        var out = PlanarImage(width: W, height: H, channels: 2, data: ab.toPlanes(width: W, height: H, scale: config.input.ab_scale))
        if vividness > 0, let lg {
            let vivid = Self.annealedMean(lg, centres: config.bin_centres, temperature: config.annealed_mean_T)
            Self.blendUpsampled(&out, vivid, weight: vividness, factor: config.logitsStride)
        }
        return (out, logits ? lg : nil)
    }

    /// L (L* in [0, 100]) as the network's input: scaled by the model's `L_scale` and reflect-padded
    /// (`reflectIndex`) at the right and bottom to the model's multiple of 32. The one padding rule
    /// of the network passes and of the reference matching's features.
    func networkInput(_ L: PlanarImage) -> Tensor {
        let m = config.input.multiple_of
        let W = L.width, H = L.height
        let Wp = (W + m - 1) / m * m, Hp = (H + m - 1) / m * m
        return L.data.withUnsafeBufferPointer {
            Tensor.fromPlanes($0, width: W, height: H, channels: 1, rows: (0..<Hp).map { reflectIndex($0, count: H) },
                              columns: (0..<Wp).map { reflectIndex($0, count: W) }, scale: config.input.L_scale)
        }
    }

    /// Hints given in a `sourceWidth × sourceHeight` photo as the network's hint planes at
    /// `width × height`, scaled by the model's ab scale.
    func raster(_ hints: [Hint], sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) -> PlanarImage {
        HintRaster.rasterize(hints, sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height,
                             abScale: config.input.ab_scale)
    }
}

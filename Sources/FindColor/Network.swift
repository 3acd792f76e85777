import Foundation
import FindColorNN

/// The FindColor network (see training/findcolor_train/model.py; `folded_forward` in
/// training/findcolor_train/export.py is the line-by-line reference for this file). Inputs: L/100 (H×W×1) and hints [a/110, b/110, mask]
/// (H×W×3), H and W multiples of 32. Outputs: ab/110 (H×W×2) and, on request, bin logits at H/4×W/4.
///
/// Encoder: MobileNetV2 `features[0…17]`; decoder: U-Net with skips at /16, /8, /4, /2, hints pooled
/// into every scale, hint attention at /16 (each cell takes the colours of the hinted cells that look
/// like it, `Ops.hintAttention`) feeding /16 and /8, in v3 models a second one at /8 over finer
/// features feeding /8 and /4 and spread hints at /2, and a full-resolution refinement. BatchNorm is
/// folded into the convolutions at export, so every layer here is a convolution with bias and a
/// fused activation.
public final class FindColorNetwork: @unchecked Sendable {
    typealias Conv = Conv2d

    /// Encoder blocks whose outputs feed the decoder (/2, /4, /8, /16, /32).
    static let skips: Set<Int> = [1, 3, 6, 13, 17]

    public let config: ModelConfig
    /// Whether the encoder sees the hints (`ModelConfig.encoder_hints`). When it does not, its
    /// outputs depend on L alone: `encode(L:)` once, then `callAsFunction(L:hints:encoding:)` for
    /// every change of the hints runs only the decoder.
    public let encoderSeesHints: Bool
    /// The bin head (`classify`) runs on the decoder's 1/4 features (`x4`): the resolution that
    /// `ModelConfig.logitsStride` must state.
    public static let binHeadStride = 4
    let spread: HintSpread
    let stem: Conv
    let blocks: [MobileNetV2.InvertedResidual]
    /// Query and key projections and the "no hint alike" logit of the hint attention (nil for models
    /// without it).
    let attention: (query: Conv, key: Conv, nullLogit: Float)?
    /// The same at 1/8 over the finer features (v3 models; nil for older ones).
    let attention8: (query: Conv, key: Conv, nullLogit: Float)?
    /// Both attentions' distance slope (`ModelConfig.hint_attention_distance`; 0 where absent).
    let attentionDistance: Float
    let lat32, d16a, d16b, d8a, d8b, d4, d2b, ab2, classify, refine1, refine2: Conv
    /// `decoder.d2.0.0`, a 1×1 convolution over [up2(x4), s[0], hints at /2], in two parts: the
    /// x4 channels' part runs at 1/4 before the upsampling (bilinear resizing and a 1×1 convolution
    /// commute: a quarter of the multiplies, half the channels to upsample, no concatenation of x4),
    /// the rest at 1/2 with the bias, the upsampled part added and the ReLU.
    let d2aFromX4, d2aRest: Conv

    /// - Parameter precision: the arithmetic of each convolution (`ModelPrecision`).
    public init(config: ModelConfig, weights w: WeightStore, backend: Backend = .default,
                precision: ModelPrecision = .fp32) throws {
        func conv(_ name: String, stride: Int = 1, groups: Int = 1, activation: Activation = .none) throws -> Conv {
            try Conv(w, name, stride: stride, groups: groups, activation: activation, backend: backend,
                     precision: precision.layer(name))
        }
        self.config = config
        spread = try HintSpread(size: config.hint_spread, backend: backend)
        encoderSeesHints = config.encoder_hints ?? true
        if encoderSeesHints {
            stem = try conv("encoder.features.0.0", stride: 2, activation: .relu6)
        } else {
            stem = try Self.lightnessStem(w, backend: backend, precision: precision.layer("encoder.features.0.0"))
        }
        blocks = try MobileNetV2.blocks(count: 17, prefix: "encoder.features") { name, stride, groups, activation in
            try conv(name, stride: stride, groups: groups, activation: activation)
        }
        lat32 = try conv("decoder.lat32.0", activation: .relu)
        if (config.hint_attention ?? 0) > 0 {
            attention = (try conv("decoder.att_q"), try conv("decoder.att_k"),
                         try w.require("decoder.att_null", shape: [1]).values[0])
        } else {
            attention = nil
        }
        if (config.hint_attention_8 ?? 0) > 0 {
            attention8 = (try conv("decoder.att8_q"), try conv("decoder.att8_k"),
                          try w.require("decoder.att8_null", shape: [1]).values[0])
        } else {
            attention8 = nil
        }
        attentionDistance = config.hint_attention_distance ?? 0
        d16a = try conv("decoder.d16.0.0", activation: .relu)
        d16b = try conv("decoder.d16.1.0", activation: .relu)
        d8a = try conv("decoder.d8.0.0", activation: .relu)
        d8b = try conv("decoder.d8.1.0", activation: .relu)
        d4 = try conv("decoder.d4.0", activation: .relu)
        let x4Channels = d4.descriptor.outputChannels
        let d2aInputs = try w.require("decoder.d2.0.0.weight").shape[1]
        d2aFromX4 = try Conv(w, "decoder.d2.0.0", inputChannels: 0..<x4Channels, biasAndActivation: false,
                             backend: backend, precision: precision.layer("decoder.d2.0.0"))
        d2aRest = try Conv(w, "decoder.d2.0.0", inputChannels: x4Channels..<d2aInputs, biasAndActivation: true,
                           activation: .relu, backend: backend, precision: precision.layer("decoder.d2.0.0"))
        d2b = try conv("decoder.d2.1.0", groups: config.decoder_widths[4], activation: .relu)
        ab2 = try conv("decoder.ab2")
        classify = try conv("decoder.classify")
        refine1 = try conv("decoder.refine1", activation: .relu)
        refine2 = try conv("decoder.refine2")
        // A tensor the configuration does not use means file and configuration disagree.
        try w.verifyAllUsed()
    }

    /// The stem of a model whose encoder sees L alone: the stored [L, a, b, mask] filters' L part,
    /// after checking that the hint part is zero (a file that says `encoder_hints: false` with
    /// non-zero hint filters would compute something else than its training did).
    static func lightnessStem(_ w: WeightStore, backend: Backend, precision: Precision) throws -> Conv {
        let name = "encoder.features.0.0"
        let weight = try w.require("\(name).weight")
        guard weight.shape.count == 4, weight.shape[1] == 4 else {
            throw NNError.invalidConfiguration("'\(name).weight' must be [out, 4, k, k], has shape \(weight.shape)")
        }
        let perInput = weight.shape[2] * weight.shape[3]
        for o in 0..<weight.shape[0] {
            let base = o * 4 * perInput
            guard weight.values[base + perInput..<base + 4 * perInput].allSatisfy({ $0 == 0 }) else {
                throw FindColorError.model("the model says its encoder does not see the hints (encoder_hints false), but its stem has non-zero hint filters")
            }
        }
        return try Conv(w, name, inputChannels: 0..<1, stride: 2, biasAndActivation: true, activation: .relu6,
                        backend: backend, precision: precision)
    }

    /// The encoder's outputs for one input (/2, /4, /8, /16, /32): what the decoder takes with the
    /// hints. Made by `encode(L:)` for models whose encoder sees L alone, and kept by callers
    /// (`PassCache`) so that a change of the hints reruns only the decoder.
    public struct Encoding: @unchecked Sendable {
        let skips: [Tensor]
        /// The network input's size it was computed for.
        public let height: Int, width: Int
        public var byteCount: Int { skips.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride } }
    }

    /// Encoder outputs at /2, /4, /8, /16, /32 (nil hints: none; not read when the encoder does not see them).
    func encode(_ L: Tensor, _ hints: Tensor?) -> [Tensor] {
        var x = encoderSeesHints ? stem(Ops.concat([L, hints ?? Tensor(n: 1, h: L.h, w: L.w, c: 3)])) : stem(L)
        var out: [Tensor] = []
        for (j, block) in blocks.enumerated() {
            x = block(x)
            if Self.skips.contains(j + 1) { out.append(x) }
        }
        return out
    }

    /// The encoding of L (L/100, H×W×1, multiples of 32) for a model whose encoder does not see the
    /// hints; nil for one whose encoder does (its encoding changes with every hint).
    public func encode(L: Tensor) -> Encoding? {
        guard !encoderSeesHints else { return nil }
        precondition(L.c == 1 && L.h % 32 == 0 && L.w % 32 == 0, "network input: L H×W×1, multiples of 32")
        return Encoding(skips: encode(L, nil), height: L.h, width: L.w)
    }

    static func up2(_ x: Tensor) -> Tensor { Ops.resizeBilinear(x, height: x.h * 2, width: x.w * 2) }

    /// ab/110 at the input's resolution, and the bin logits at /4 when `logits` is true. With an
    /// `encoding` of this L (`encode(L:)`), only the decoder runs.
    public func callAsFunction(L: Tensor, hints: Tensor, logits wantLogits: Bool = false,
                               encoding: Encoding? = nil) -> (ab: Tensor, logits: Tensor?) {
        precondition(L.c == 1 && hints.c == 3 && L.h == hints.h && L.w == hints.w, "network inputs: L H×W×1, hints H×W×3")
        precondition(L.h % 32 == 0 && L.w % 32 == 0, "network input size must be a multiple of 32, got \(L.h)×\(L.w)")
        precondition(encoding.map { !encoderSeesHints && $0.height == L.h && $0.width == L.w } ?? true,
                     "an encoding is for a model whose encoder does not see the hints, at the input's size")
        let s = encoding?.skips ?? encode(L, hints)
        // The hints pooled to 1/2 … 1/16 in one pass over the full-resolution raster.
        let pools = Ops.hintPyramid(hints, largest: 16)
        let f16 = Ops.concat([Self.up2(lat32(s[4])), s[3]])
        let pooled16 = pools[16]!
        let att = attention.map {
            Ops.hintAttention(query: $0.query(f16), key: $0.key(f16), hints: pooled16, nullLogit: $0.nullLogit,
                              distanceSlope: attentionDistance)
        }
        var x = d16b(d16a(Ops.concat([f16, pooled16, spread(pooled16)] + (att.map { [$0] } ?? []))))
        let f8 = Ops.concat([Self.up2(x), s[2]])
        let pooled8 = pools[8]!
        let att8 = attention8.map {
            Ops.hintAttention(query: $0.query(f8), key: $0.key(f8), hints: pooled8, nullLogit: $0.nullLogit,
                              distanceSlope: attentionDistance)
        }
        x = d8b(d8a(Ops.concat([f8, pooled8, spread(pooled8)] + (att.map { [Self.up2($0)] } ?? []) + (att8.map { [$0] } ?? []))))
        let x4 = d4(Ops.concat([Self.up2(x), s[1], hintFeatures(pools[4]!)] + (att8.map { [Self.up2($0)] } ?? [])))
        let hints2 = config.fine_hints == true ? hintFeatures(pools[2]!) : pools[2]!
        // d2.0.0(concat[up2(x4), s[0], hints2]) with its x4 part at 1/4 (see `d2aFromX4`).
        x = d2b(d2aRest(Ops.concat([s[0], hints2]), adding: Self.up2(d2aFromX4(x4))))
        let coarse = Self.up2(ab2(x))
        let r = refine1(Ops.concat([coarse, L, hints]))
        // tanh(coarse + refine2(r)): the addition in the narrow kernel's pass, the tanh vectorised
        // (a tanh in that pass, scalar, took 0.4 ms more at 256² than the two it saves).
        let ab = Ops.tanh(refine2(r, adding: coarse))
        return (ab, wantLogits ? classify(x4) : nil)
    }

    /// Pooled hints and their spread over the neighbourhood: 6 channels.
    func hintFeatures(_ pooled: Tensor) -> Tensor {
        Ops.concat([pooled, spread(pooled)])
    }

    /// Encoder features for dense matching (reference colourization): the /8 features and the /16
    /// features upsampled to /8, concatenated (32 + 96 channels), computed from L alone.
    public func matchingFeatures(L: Tensor) -> Tensor { matchingFeatures(skips: encode(L, nil)) }

    /// The same from an encoding of L (`encode(L:)`, a model whose encoder does not see the hints).
    func matchingFeatures(_ encoding: Encoding) -> Tensor { matchingFeatures(skips: encoding.skips) }

    private func matchingFeatures(skips s: [Tensor]) -> Tensor {
        let up = Ops.resizeBilinear(s[3], height: s[2].h, width: s[2].w)
        return Ops.concat([s[2], up])
    }
}


/// Normalised convolution of pooled hints [a, b, mask] over a k×k neighbourhood (model.py
/// `spread_hints`): the mean hint colour nearby (0 where none) and min(1, hinted cells nearby).
struct HintSpread {
    let size: Int
    let box: Convolution

    init(size k: Int, backend: Backend) throws {
        size = k
        let d = ConvolutionDescriptor(inputChannels: 3, outputChannels: 3, kernelSize: k,
                                      padding: .explicit(.symmetric(k / 2)), groups: 3)
        box = try Convolution(d, weights: [Float](repeating: 1 / Float(k * k), count: 3 * k * k), bias: nil, backend: backend)
    }

    func callAsFunction(_ pooled: Tensor) -> Tensor {
        LayerProfile.record("hint spread \(pooled.h)×\(pooled.w)", kind: "hint spread") { spreadKernel(pooled) }
    }

    private func spreadKernel(_ pooled: Tensor) -> Tensor {
        var weighted = pooled
        weighted.withUnsafeMutableBufferPointer { p in
            for i in Swift.stride(from: 0, to: p.count, by: 3) {
                p[i] *= p[i + 2]
                p[i + 1] *= p[i + 2]
            }
        }
        var s = box(weighted)
        let k2 = Float(size * size)
        s.withUnsafeMutableBufferPointer { p in
            for i in Swift.stride(from: 0, to: p.count, by: 3) {
                let m = p[i + 2]
                if m > 0 {
                    p[i] /= max(m, 1e-12)
                    p[i + 1] /= max(m, 1e-12)
                } else {
                    p[i] = 0
                    p[i + 1] = 0
                }
                p[i + 2] = min(1, m * k2)
            }
        }
        return s
    }
}

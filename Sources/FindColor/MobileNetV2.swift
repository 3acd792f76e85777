import FindColorNN

/// MobileNetV2's inverted-residual blocks (torchvision `features[1…]`) with BatchNorm folded into
/// each convolution at export. The colour network's encoder (`FindColorNetwork`, blocks 1…17 under
/// `encoder.features`) and the defect detector's frozen ImageNet features (`DefectDetector`, blocks
/// 1…13 under `fx.features`) are both these; each builds its own 32-channel stem before them.
enum MobileNetV2 {
    /// [1×1 expand] → 3×3 depthwise (stride) → 1×1 project (+ input).
    struct InvertedResidual {
        let expand: Conv2d?
        let depthwise: Conv2d
        let project: Conv2d
        let residual: Bool

        func callAsFunction(_ x: Tensor) -> Tensor {
            var h = x
            if let expand { h = expand(h) }
            h = depthwise(h)
            return residual ? project(h, adding: x) : project(h)
        }
    }

    /// (expansion t, channels c, repeats n, first stride s), as torchvision.
    static let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    /// Blocks 1…`count` after the stem, their convolutions named `<prefix>.<i>.conv.…` as the
    /// PyTorch module paths; `conv(name, stride, groups, activation)` loads one.
    static func blocks(count: Int, prefix: String,
                       conv: (String, Int, Int, Activation) throws -> Conv2d) throws -> [InvertedResidual] {
        var blocks: [InvertedResidual] = []
        var i = 1, cin = 32
        for (t, c, n, s) in settings {
            for r in 0..<n where i <= count {
                let stride = r == 0 ? s : 1, p = "\(prefix).\(i).conv"
                if t == 1 {
                    blocks.append(InvertedResidual(
                        expand: nil,
                        depthwise: try conv(p + ".0.0", stride, cin, .relu6),
                        project: try conv(p + ".1", 1, 1, .none),
                        residual: stride == 1 && cin == c))
                } else {
                    blocks.append(InvertedResidual(
                        expand: try conv(p + ".0.0", 1, 1, .relu6),
                        depthwise: try conv(p + ".1.0", stride, cin * t, .relu6),
                        project: try conv(p + ".2", 1, 1, .none),
                        residual: stride == 1 && cin == c))
                }
                i += 1
                cin = c
            }
        }
        return blocks
    }
}

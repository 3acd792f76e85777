import FindColorNN

/// The arithmetic of the network's convolutions (`Precision` per layer).
///
/// Measured on the 199 development photos, protocol A, against fp32 (docs/speed.md): `bf16`
/// everywhere moves the output's ab by 5.7 at the 99th percentile (the ImageNet encoder's features
/// are sensitive to bfloat16's 8-bit mantissa), beyond the 1 ab allowed for a default; `mixed`
/// (bf16 in the decoder only) stays far within it. `automatic` is `mixed` where bf16 is also faster
/// (`Precision.bf16IsFaster`: AVX-512 BF16 on an AMD CPU), fp32 elsewhere.
public enum ModelPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// fp32 everywhere.
    case fp32
    /// The encoder in fp32, the decoder's convolutions in bf16.
    case mixed
    /// Every convolution in bf16.
    case bf16

    /// The precision of the convolution with these weights ("encoder.…" or "decoder.…").
    public func layer(_ name: String) -> Precision {
        switch self {
        case .fp32: return .fp32
        case .bf16: return .bf16
        case .mixed: return name.hasPrefix("encoder.") ? .fp32 : .bf16
        }
    }

    /// Whether this CPU runs it (bf16 kernels need AVX-512 BF16 and oneDNN).
    public var isSupported: Bool { self == .fp32 || Precision.bf16.isSupported }

    /// The default: `mixed` where the CPU runs it faster than fp32 (`Precision.bf16IsFaster`), else `fp32`.
    public static var automatic: ModelPrecision { Precision.bf16IsFaster ? .mixed : .fp32 }

    public var description: String { rawValue }
}

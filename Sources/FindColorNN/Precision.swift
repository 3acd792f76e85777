import CDNNL

/// The arithmetic of the oneDNN convolutions.
///
/// `.fp32` everywhere by default. `.bf16` packs the convolution weights as bfloat16 (8-bit
/// mantissa) and converts each convolution's input to bfloat16; products are accumulated and
/// written in fp32, and every other op (concatenations, resizes, the hint attention) stays fp32. It needs a CPU with AVX-512 BF16 (`isSupported`); elsewhere oneDNN
/// would fall back to its slow reference kernels, so layers then stay fp32.
public enum Precision: String, Sendable, CaseIterable, CustomStringConvertible {
    case fp32
    case bf16

    /// Whether the fast oneDNN kernels for this precision run on this CPU.
    public var isSupported: Bool {
        switch self {
        case .fp32: return true
        case .bf16: return Self.bf16Supported
        }
    }

    private static let bf16Supported: Bool = {
        guard OneDNN.isAvailable else { return false }
        let isa = dnnl_get_effective_cpu_isa().rawValue
        let bf16 = dnnl_cpu_isa_avx512_core_bf16.rawValue
        return isa & bf16 == bf16
    }()

    public var description: String { rawValue }

    var dnnlType: dnnl_data_type_t { self == .bf16 ? dnnl_bf16 : dnnl_f32 }
}

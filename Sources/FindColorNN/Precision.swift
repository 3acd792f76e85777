import CDNNL
import Foundation

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

    /// Whether bf16 convolutions are worth taking by default on this CPU: AVX-512 BF16 and an AMD
    /// processor. Measured with `findcolor bench --precision fp32|mixed` (docs/speed.md): on AMD
    /// EPYC (Zen 4), where a 512-bit instruction issues as two 256-bit halves, a bf16 dot product
    /// does twice the multiply-adds of an fp32 one and the decoder in bf16 made the pass 1.15–1.23×
    /// faster; on an Intel Xeon with AVX-512 BF16 (family 6, model 207, AMX not exposed), whose two
    /// 512-bit FMA units keep fp32 at full rate and which runs the wide 3×3 convolutions by
    /// Winograd's transform in fp32 (a quarter of the multiplies), the same pass was 1.3–1.6×
    /// slower. Other CPUs (AMX included, never measured here) stay with fp32.
    public static let bf16IsFaster: Bool = bf16Supported && cpuVendor(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "") == "AuthenticAMD"

    /// The `vendor_id` of a Linux `/proc/cpuinfo` text ("" when it has none).
    static func cpuVendor(cpuinfo: String) -> String {
        for line in cpuinfo.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix("vendor_id") {
            guard let colon = line.firstIndex(of: ":") else { break }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return ""
    }

    public var description: String { rawValue }

    var dnnlType: dnnl_data_type_t { self == .bf16 ? dnnl_bf16 : dnnl_f32 }
}

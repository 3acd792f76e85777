/// Which implementation runs the kernels.
///
/// `.oneDNN` is the fast path; `.reference` is the pure-Swift SIMD implementation every oneDNN
/// kernel is tested against. Asking for oneDNN when it cannot initialise gives the reference.
public enum Backend: String, Sendable, CaseIterable, CustomStringConvertible {
    case reference
    case oneDNN

    nonisolated(unsafe) private static var preferred: Backend = .oneDNN

    /// The process-wide default used by layers and ops created without an explicit backend.
    /// Reading it never yields an unavailable backend.
    public static var `default`: Backend {
        get { preferred.resolved }
        set { preferred = newValue }
    }

    /// Whether this backend can run here (oneDNN initialised an engine and a stream).
    public var isAvailable: Bool {
        switch self {
        case .reference: return true
        case .oneDNN: return OneDNNRuntime.shared != nil
        }
    }

    /// `self` if available, otherwise `.reference`.
    public var resolved: Backend { isAvailable ? self : .reference }

    public var description: String { rawValue }
}

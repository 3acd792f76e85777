import Foundation

/// An activation fused into the op that produces a tensor.
public enum Activation: String, Sendable, CaseIterable, CustomStringConvertible {
    case none
    case relu
    /// min(max(x, 0), 6)
    case relu6
    case tanh

    public var description: String { rawValue }

    func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return Swift.max(x, 0)
        case .relu6: return Swift.min(Swift.max(x, 0), 6)
        case .tanh: return Foundation.tanh(x)
        }
    }

}

/// An activation fused into the op that produces a tensor.
public enum Activation: String, Sendable, CaseIterable, CustomStringConvertible {
    case none
    case relu
    /// min(max(x, 0), 6)
    case relu6
    case tanh

    public var description: String { rawValue }
}

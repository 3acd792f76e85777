/// Errors raised when building ops and layers from a configuration or from weights.
public enum NNError: Error, CustomStringConvertible, Equatable {
    /// A layer or op was configured inconsistently (e.g. channels not divisible by groups).
    case invalidConfiguration(String)
    /// A weight the network needs is not in the weight store.
    case missingWeight(String)
    /// A weight has a shape other than the one the layer needs.
    case weightShapeMismatch(name: String, expected: [Int], actual: [Int])
    /// The weight store holds weights the network does not use (their names, sorted).
    case unusedWeights([String])

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return "invalid configuration: \(message)"
        case .missingWeight(let name):
            return "missing weight '\(name)'"
        case let .weightShapeMismatch(name, expected, actual):
            return "weight '\(name)' has shape \(actual), expected \(expected)"
        case .unusedWeights(let names):
            let shown = names.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
            let more = names.count > 20 ? " and \(names.count - 20) more" : ""
            return "\(names.count) weight(s) the network does not use: \(shown)\(more)"
        }
    }
}

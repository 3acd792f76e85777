import Foundation

/// Errors of the colorizer, each with a one-line message meant for the user.
public enum FindColorError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case invalidHints(String)
    case invalidRegion(String)
    case invalidReference(String)
    case invalidImage(String)
    case invalidOption(String)
    case model(String)

    public var description: String {
        switch self {
        case .invalidHints(let m): return "invalid hints: \(m)"
        case .invalidRegion(let m): return "invalid region mask: \(m)"
        case .invalidReference(let m): return "invalid reference photo: \(m)"
        case .invalidImage(let m): return "invalid image: \(m)"
        case .invalidOption(let m): return "invalid option: \(m)"
        case .model(let m): return "model: \(m)"
        }
    }

    public var errorDescription: String? { description }
}

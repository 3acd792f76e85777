/// Failures of the project store, each with a message for the API client.
enum StoreError: Error, CustomStringConvertible, Sendable {
    /// No project with this id (answered 404).
    case projectNotFound(String)
    /// No hint with this id in the project (answered 404).
    case hintNotFound(String)
    /// A file of the project is missing from the data directory (answered 500: the store is damaged).
    case fileMissing(String)
    /// The request would make the project invalid (answered 400).
    case invalid(String)
    /// A file could not be written or read (answered 500).
    case io(String)
    /// The database failed (answered 500).
    case database(String)

    var description: String {
        switch self {
        case .projectNotFound(let id): return "no project with id \"\(id)\""
        case .hintNotFound(let id): return "no hint with id \"\(id)\" in this project"
        case .fileMissing(let what): return "\(what) is missing from the data directory"
        case .invalid(let message): return message
        case .io(let message): return "storage error: \(message)"
        case .database(let message): return "database error: \(message)"
        }
    }
}

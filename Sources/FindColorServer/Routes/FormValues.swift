import FindColor
import Foundation

/// Parsing of the small text values of forms and query strings.
enum FormValues {
    /// `fast`, `balanced` or `best` (nil or empty = not given).
    static func preset(_ text: String?) throws -> EnsemblePreset? {
        guard let text = text?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else { return nil }
        guard let preset = EnsemblePreset(rawValue: text) else {
            throw APIError.badRequest(
                "preset must be one of \(EnsemblePreset.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
        }
        return preset
    }

    /// true/false (also 1/0, yes/no, on/off); nil or empty = not given.
    static func bool(_ text: String?, field: String) throws -> Bool? {
        guard let text = text?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else { return nil }
        switch text {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw APIError.badRequest("\(field) must be true or false, not \"\(text)\"")
        }
    }

    /// A required integer query parameter.
    static func integer(_ text: Substring?, field: String) throws -> Int {
        guard let text, !text.isEmpty else { throw APIError.badRequest("the query parameter \(field) is required") }
        guard let value = Int(text) else { throw APIError.badRequest("\(field) must be an integer, not \"\(text)\"") }
        return value
    }

    /// A number (nil or empty = not given); its range is the business of `check`.
    static func number(_ text: String?, field: String) throws -> Float? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Float(text) else { throw APIError.badRequest("\(field) must be a number, not \"\(text)\"") }
        return value
    }

    /// `ColorizeSettings.validate`, a refusal answered 400 naming the setting ("vividness must be in 0…1, got 1.5").
    static func check(_ settings: ColorizeSettings) throws {
        do {
            try settings.validate()
        } catch let e as ColorizeSettings.Invalid {
            throw APIError.badRequest(e.description)
        }
    }
}

import FindColor
import FindColorImage
import Foundation

/// Parsing and validation of hints sent to the API, in the CLI's JSON format:
/// `{"x": 120, "y": 64, "size": 6, "ab": [12.5, -30.0]}` or with `"color": "#a03020"`, plus an
/// optional `"id"` that the projects API keeps (so that undo/redo restores hints with their ids).
///
/// Values are decoded with `JSONDecoder`, which keeps JSON `true` and `1` apart on every platform;
/// each hint is checked by `HintParser.problem(with:)`, the same rules and messages as the CLI's.
enum HintInput {
    static let hintFields: Set<String> = ["id", "x", "y", "size", "ab", "color"]
    static let maxHints = 10_000

    struct RawHint: Codable {
        var id: String?
        var x: Int
        var y: Int
        var size: Int?
        var ab: [Float]?
        var color: String?
    }

    struct RawChange: Codable {
        var x: Int?
        var y: Int?
        var size: Int?
        var ab: [Float]?
        var color: String?
    }

    struct RawList: Codable {
        var hints: [RawHint]
    }

    /// One hint object (e.g. the body of `POST /hints`).
    static func parseOne(_ members: [String: Any], width: Int, height: Int) throws -> Hint {
        let unknown = Set(members.keys).subtracting(hintFields)
        if let first = unknown.sorted().first {
            throw APIError.badRequest("invalid hint: unknown field \"\(first)\" (a hint has x, y, size and ab or color)")
        }
        let raw = try decode(RawHint.self, from: try serialize(members), what: "invalid hint")
        return try hint(raw, context: "invalid hint", width: width, height: height)
    }

    /// A partial update (the body of `PATCH /hints/{id}`) applied to `hint`.
    static func merge(_ changes: [String: Any], into hint: Hint, width: Int, height: Int) throws -> Hint {
        let unknown = Set(changes.keys).subtracting(hintFields)
        if let first = unknown.sorted().first {
            throw APIError.badRequest("invalid hint change: unknown field \"\(first)\" (allowed: x, y, size, ab, color)")
        }
        var object = changes
        object.removeValue(forKey: "id")
        let change = try decode(RawChange.self, from: try serialize(object), what: "invalid hint change")
        if change.ab != nil && change.color != nil {
            throw APIError.badRequest("invalid hint change: give either \"ab\" or \"color\", not both")
        }
        let merged = RawHint(
            id: nil, x: change.x ?? hint.x, y: change.y ?? hint.y, size: change.size ?? hint.size,
            ab: change.color != nil ? nil : (change.ab ?? [hint.a, hint.b]), color: change.color)
        return try self.hint(merged, context: "invalid hint", width: width, height: height)
    }

    /// A whole hint list `{"hints": [...]}` (the body of `PUT /hints`, the `hints` field of
    /// `POST /api/colorize`), with the optional ids (normalised to lower case).
    static func parseList(_ data: Data, width: Int, height: Int) throws -> [(id: String?, hint: Hint)] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw APIError.badRequest("invalid hints: not valid JSON")
        }
        guard let object = root as? [String: Any], let items = object["hints"] as? [Any] else {
            throw APIError.badRequest("invalid hints: expected an object {\"hints\": [...]}")
        }
        if let extra = Set(object.keys).subtracting(["hints"]).sorted().first {
            throw APIError.badRequest("invalid hints: unknown field \"\(extra)\"")
        }
        guard items.count <= maxHints else {
            throw APIError.badRequest("invalid hints: \(items.count) hints; at most \(maxHints) are accepted")
        }
        for (index, item) in items.enumerated() {
            guard let hint = item as? [String: Any] else {
                throw APIError.badRequest("invalid hints: hint \(index) is not an object")
            }
            if let unknown = Set(hint.keys).subtracting(hintFields).sorted().first {
                throw APIError.badRequest("invalid hints: hint \(index) has an unknown field \"\(unknown)\"")
            }
        }
        let list = try decode(RawList.self, from: data, what: "invalid hints")
        var seen = Set<String>()
        return try list.hints.enumerated().map { index, raw in
            var id: String?
            if let rawId = raw.id {
                guard let uuid = UUID(uuidString: rawId) else {
                    throw APIError.badRequest("invalid hints: hint \(index) has an id that is not a UUID")
                }
                id = uuid.uuidString.lowercased()
                guard seen.insert(id!).inserted else {
                    throw APIError.badRequest("invalid hints: the id \(id!) occurs twice")
                }
            }
            let hint = try hint(raw, context: "invalid hints: hint \(index)", width: width, height: height)
            return (id: id, hint: hint)
        }
    }

    /// Validates a decoded hint; `context` starts every error message.
    static func hint(_ raw: RawHint, context: String, width: Int, height: Int) throws -> Hint {
        func fail(_ message: String) -> APIError { APIError.badRequest("\(context): \(message)") }
        guard (raw.ab == nil) != (raw.color == nil) else {
            throw fail("give exactly one of \"ab\" or \"color\"")
        }
        let a: Float, b: Float
        if let ab = raw.ab {
            guard ab.count == 2 else { throw fail("\"ab\" must be an array of two numbers") }
            (a, b) = (ab[0], ab[1])
        } else {
            guard let lab = Hint.ab(ofHex: raw.color ?? "") else {
                throw fail("\"color\" must be an sRGB hex colour like \"#a03020\"")
            }
            (a, b) = lab
        }
        let hint = Hint(x: raw.x, y: raw.y, size: raw.size ?? 1, a: a, b: b)
        if let problem = HintParser.problem(with: hint, imageWidth: width, imageHeight: height) { throw fail(problem) }
        return hint
    }

    private static func serialize(_ object: [String: Any]) throws -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [])
        } catch {
            throw APIError.badRequest("invalid hint: it cannot be read as JSON")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest("\(what): \(APIError.describe(error))")
        }
    }
}

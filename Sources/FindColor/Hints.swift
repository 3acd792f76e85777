import Foundation
import FindColorImage

/// A user hint: a square patch of the input image that should have the colour (a*, b*).
/// `x`, `y` are the patch's top-left pixel and `size` its side, in the input image's pixels.
public struct Hint: Equatable, Hashable, Sendable {
    /// How far a hint's colour reaches.
    public enum Spread: String, CaseIterable, Sendable {
        /// To the parts of the photo that look like the hinted one, wherever they are (the network's
        /// hint attention decides).
        case similar
        /// Only to the region around the point that the photo's edges bound (`LocalHintRegion`).
        case local
    }

    public var x: Int
    public var y: Int
    public var size: Int
    public var a: Float
    public var b: Float
    public var spread: Spread

    public init(x: Int, y: Int, size: Int = 1, a: Float, b: Float, spread: Spread = .similar) {
        self.x = x
        self.y = y
        self.size = size
        self.a = a
        self.b = b
        self.spread = spread
    }

    /// The hint's colour as Lab a*b* of an sRGB hex colour such as "#a03020" or "#a32".
    public static func ab(ofHex hex: String) -> (a: Float, b: Float)? {
        var s = hex.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("#") { s.removeFirst() }
        if s.count == 3 { s = s.map { "\($0)\($0)" }.joined() }
        guard s.count == 6, s.allSatisfy(\.isHexDigit), let v = UInt32(s, radix: 16) else { return nil }
        let rgb = RGBColor(r: Float((v >> 16) & 0xff) / 255, g: Float((v >> 8) & 0xff) / 255, b: Float(v & 0xff) / 255)
        let lab = CIELab.lab(fromSRGB: rgb)
        return (lab.a, lab.b)
    }

    /// The same hint on the same picture resized from `W × H` to `w × h`: the patch keeps its
    /// centre (scaled) and its area (side max(1, round(size·√(sx·sy)))), clamped inside the image.
    /// The one scaling rule of hints: previews, every ensemble pass and the raster use it.
    public func scaled(fromWidth W: Int, fromHeight H: Int, toWidth w: Int, toHeight h: Int) -> Hint {
        let sx = Double(w) / Double(W), sy = Double(h) / Double(H)
        let side = min(max(1, Int((Double(size) * (sx * sy).squareRoot()).rounded())), w, h)
        let cx = (Double(x) + Double(size) / 2) * sx, cy = (Double(y) + Double(size) / 2) * sy
        let x0 = min(max(0, Int((cx - Double(side) / 2).rounded())), max(0, w - side))
        let y0 = min(max(0, Int((cy - Double(side) / 2).rounded())), max(0, h - side))
        return Hint(x: x0, y: y0, size: side, a: a, b: b, spread: spread)
    }

    /// The same hint with another reach.
    public func with(spread: Spread) -> Hint {
        var h = self
        h.spread = spread
        return h
    }
}

/// The hint format, one parser for the CLI (`--hints`) and the HTTP API (`hints` of
/// `POST /api/colorize`, the projects' hint routes):
///
///     {"hints": [{"x": 120, "y": 64, "size": 6, "ab": [12.5, -30.0]},
///                {"x": 10, "y": 200, "size": 3, "color": "#a03020", "spread": "local"}]}
///
/// `size` defaults to 1; the colour is given either as CIE Lab `ab` or as an sRGB hex `color`;
/// `spread` is `similar` (default) or `local`; `id` (a UUID) is kept by the projects API and
/// ignored elsewhere. Unknown fields are refused (they are usually typos). The document is refused
/// by its byte size before it is parsed, and the hint count is checked before any hint is read.
public enum HintParser {
    /// Largest |a*| or |b*| accepted (the sRGB gamut spans about −86…98 in a*, −108…95 in b*).
    public static let maxAB: Float = 128
    /// Most hints in one document, one project or one evaluation photo (the only copy of this limit).
    public static let maxHints = 10_000
    /// Largest hint document, in bytes (10 000 hints with ids take about 1.2 MB).
    public static let maxBytes = 4 * 1024 * 1024
    /// Bound on coordinates and sizes before they are compared with an image (larger than any image
    /// side FindColor accepts), so that no arithmetic on them can overflow.
    public static let maxCoordinate = 1 << 20
    static let fields: Set<String> = ["id", "x", "y", "size", "ab", "color", "spread"]

    /// A parsed hint and the id it carried, if any (a UUID, lower case).
    public struct Entry: Equatable, Sendable {
        public var id: String?
        public var hint: Hint
    }

    /// Parses a document and checks every hint against a `imageWidth × imageHeight` photo.
    public static func parse(_ json: Data, imageWidth: Int, imageHeight: Int) throws -> [Hint] {
        let hints = try parseList(json).map(\.hint)
        try validate(hints, imageWidth: imageWidth, imageHeight: imageHeight)
        return hints
    }

    /// Parses a document: syntax, field names, types and ranges — everything that does not depend
    /// on the photo (check that with `validate`). Ids must be UUIDs and distinct.
    public static func parseList(_ json: Data) throws -> [Entry] {
        guard case .object(let root) = try decodeJSON(json) else {
            throw FindColorError.invalidHints("expected an object {\"hints\": [...]}")
        }
        if let extra = root.keys.filter({ $0 != "hints" }).sorted().first {
            throw FindColorError.invalidHints("unknown field \"\(extra)\" (the document is {\"hints\": [...]})")
        }
        guard let list = root["hints"] else { throw FindColorError.invalidHints("expected an object {\"hints\": [...]}") }
        guard case .array(let items) = list else { throw FindColorError.invalidHints("\"hints\" must be an array") }
        guard items.count <= maxHints else {
            throw FindColorError.invalidHints("\(items.count) hints; at most \(maxHints) are accepted")
        }
        var seen = Set<String>()
        return try items.enumerated().map { i, item in
            let entry = try entry(item, context: "hint \(i)")
            if let id = entry.id, !seen.insert(id).inserted {
                throw FindColorError.invalidHints("hint \(i): the id \(id) occurs twice")
            }
            return entry
        }
    }

    /// One hint object, e.g. `{"x": 3, "y": 4, "ab": [10, 20]}`.
    public static func parseOne(_ json: Data) throws -> Entry {
        try entry(try decodeJSON(json), context: "hint")
    }

    /// A partial change of `hint`: an object with any of x, y, size, ab or color, spread (an `id`
    /// member is ignored). The result is not yet checked against the photo.
    public static func merge(_ json: Data, into hint: Hint) throws -> Hint {
        guard case .object(let d) = try decodeJSON(json) else {
            throw FindColorError.invalidHints("a hint change must be an object with x, y, size, ab or color, spread")
        }
        try checkFields(d, context: "hint change")
        guard d.keys.contains(where: { $0 != "id" }) else {
            throw FindColorError.invalidHints("nothing to change: give x, y, size, ab or color, or spread")
        }
        if d["ab"] != nil && d["color"] != nil {
            throw FindColorError.invalidHints("hint change: give either \"ab\" or \"color\", not both")
        }
        var h = hint
        let context = "hint change"
        if let v = d["x"] { h.x = try integer(v, "x", context) }
        if let v = d["y"] { h.y = try integer(v, "y", context) }
        if let v = d["size"] { h.size = try integer(v, "size", context) }
        if d["ab"] != nil || d["color"] != nil { (h.a, h.b) = try colour(d, context) }
        if let v = d["spread"] { h.spread = try spread(v, context) }
        if let problem = rangeProblem(h) { throw FindColorError.invalidHints("\(context): \(problem)") }
        return h
    }

    /// Encodes hints in the same format, colours as `ab` (and `spread` when not the default).
    public static func encode(_ hints: [Hint]) -> Data {
        let items = hints.map { h -> String in
            let spread = h.spread == .similar ? "" : ",\"spread\":\"\(h.spread.rawValue)\""
            return "{\"ab\":[\(Double(h.a)),\(Double(h.b))],\"size\":\(h.size)\(spread),\"x\":\(h.x),\"y\":\(h.y)}"
        }
        return Data("{\"hints\":[\(items.joined(separator: ","))]}".utf8)
    }

    /// Checks hints (parsed, or built in code) against a `imageWidth × imageHeight` photo.
    public static func validate(_ hints: [Hint], imageWidth: Int, imageHeight: Int) throws {
        guard hints.count <= maxHints else {
            throw FindColorError.invalidHints("\(hints.count) hints; at most \(maxHints) are accepted")
        }
        for (i, h) in hints.enumerated() {
            if let problem = problem(with: h, imageWidth: imageWidth, imageHeight: imageHeight) {
                throw FindColorError.invalidHints("hint \(i): \(problem)")
            }
        }
    }

    /// What is wrong with a hint for a `imageWidth × imageHeight` photo, or nil if nothing.
    public static func problem(with h: Hint, imageWidth: Int, imageHeight: Int) -> String? {
        if let problem = rangeProblem(h) { return problem }
        // No sum below can overflow: every value is within ±maxCoordinate.
        guard h.x <= imageWidth - h.size, h.y <= imageHeight - h.size else {
            return "patch at (\(h.x), \(h.y)) of size \(h.size) is outside the \(imageWidth)×\(imageHeight) image"
        }
        return nil
    }

    /// The checks that do not need the photo.
    static func rangeProblem(_ h: Hint) -> String? {
        guard h.size >= 1 else { return "size must be at least 1, got \(h.size)" }
        guard h.x >= 0, h.y >= 0 else { return "patch at (\(h.x), \(h.y)) is outside the image (x and y must be ≥ 0)" }
        guard h.size <= maxCoordinate, h.x <= maxCoordinate, h.y <= maxCoordinate else {
            return "x, y and size must be at most \(maxCoordinate), got x \(h.x), y \(h.y), size \(h.size)"
        }
        guard h.a.isFinite, h.b.isFinite, abs(h.a) <= maxAB, abs(h.b) <= maxAB else {
            return "ab (\(h.a), \(h.b)) out of range [−\(Int(maxAB)), \(Int(maxAB))]"
        }
        return nil
    }

    // MARK: - Reading

    static func decodeJSON(_ json: Data) throws -> JSONValue {
        guard json.count <= maxBytes else {
            throw FindColorError.invalidHints("the hint document is \(json.count) bytes; at most \(maxBytes) are accepted")
        }
        guard json.contains(where: { !($0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09) }) else {
            throw FindColorError.invalidHints("the hint document is empty")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            throw FindColorError.invalidHints(jsonProblem(json, error))
        }
    }

    /// Why a document is not JSON we can read, in one line. JSONDecoder says only "The given data
    /// was not valid JSON." (or, for a number no Swift type holds, such as 1e400, a type mismatch
    /// far from the number); JSONSerialization names the problem and where it is, so the document
    /// is read again with it, on this error path only.
    static func jsonProblem(_ json: Data, _ decodingError: Error) -> String {
        var reason: String?
        do {
            _ = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        }
        guard var reason, !reason.isEmpty else { return "not valid JSON (\(shortReason(decodingError)))" }
        let unrepresentable = " is not representable in Swift."
        if reason.hasPrefix("Number "), reason.hasSuffix(unrepresentable) {
            let number = reason.dropFirst("Number ".count).dropLast(unrepresentable.count)
            let shown = number.count > 40 ? number.prefix(40) + "…" : number
            return "the number \(shown) is out of range (numbers must fit in a 64-bit integer or a double)"
        }
        if reason.hasSuffix(".") { reason.removeLast() }
        return "not valid JSON (\(reason.count > 120 ? String(reason.prefix(120)) + "…" : reason))"
    }

    static func entry(_ item: JSONValue, context: String) throws -> Entry {
        guard case .object(let d) = item else {
            throw FindColorError.invalidHints("\(context): expected an object with x, y and ab or color")
        }
        try checkFields(d, context: context)
        func required(_ key: String) throws -> JSONValue {
            guard let v = d[key] else { throw FindColorError.invalidHints("\(context): missing \"\(key)\"") }
            return v
        }
        let x = try integer(try required("x"), "x", context), y = try integer(try required("y"), "y", context)
        let size = try d["size"].map { try integer($0, "size", context) } ?? 1
        guard (d["ab"] == nil) != (d["color"] == nil) else {
            throw FindColorError.invalidHints("\(context): give exactly one of \"ab\" or \"color\"")
        }
        let (a, b) = try colour(d, context)
        let hint = Hint(x: x, y: y, size: size, a: a, b: b, spread: try d["spread"].map { try spread($0, context) } ?? .similar)
        if let problem = rangeProblem(hint) { throw FindColorError.invalidHints("\(context): \(problem)") }
        var id: String?
        if let v = d["id"] {
            guard case .string(let s) = v, let uuid = UUID(uuidString: s) else {
                throw FindColorError.invalidHints("\(context): \"id\" must be a UUID")
            }
            id = uuid.uuidString.lowercased()
        }
        return Entry(id: id, hint: hint)
    }

    static func checkFields(_ d: [String: JSONValue], context: String) throws {
        if let unknown = d.keys.filter({ !fields.contains($0) }).sorted().first {
            throw FindColorError.invalidHints(
                "\(context): unknown field \"\(unknown)\" (a hint has x, y, size, ab or color, spread, id)")
        }
    }

    static func integer(_ v: JSONValue, _ key: String, _ context: String) throws -> Int {
        switch v {
        case .int(let value):
            guard value >= -maxCoordinate, value <= maxCoordinate else {
                throw FindColorError.invalidHints("\(context): \"\(key)\" is \(value), out of range (at most \(maxCoordinate))")
            }
            return value
        case .double(let value):
            throw FindColorError.invalidHints("\(context): \"\(key)\" must be an integer, got \(value)")
        default:
            throw FindColorError.invalidHints("\(context): \"\(key)\" must be an integer, got \(v.kind)")
        }
    }

    static func colour(_ d: [String: JSONValue], _ context: String) throws -> (Float, Float) {
        if let ab = d["ab"] {
            guard case .array(let arr) = ab, arr.count == 2, let a = arr[0].number, let b = arr[1].number else {
                throw FindColorError.invalidHints("\(context): \"ab\" must be an array of two numbers")
            }
            return (Float(a), Float(b))
        }
        guard case .string(let s) = d["color"]!, let ab = Hint.ab(ofHex: s) else {
            throw FindColorError.invalidHints("\(context): \"color\" must be an sRGB hex colour like \"#a03020\"")
        }
        return ab
    }

    static func spread(_ v: JSONValue, _ context: String) throws -> Hint.Spread {
        guard case .string(let s) = v, let spread = Hint.Spread(rawValue: s) else {
            throw FindColorError.invalidHints("\(context): \"spread\" must be \"similar\" or \"local\"")
        }
        return spread
    }

    private static func shortReason(_ error: Error) -> String {
        var s = "\(error)"
        if case DecodingError.dataCorrupted(let c) = error {
            s = c.debugDescription
            if let u = c.underlyingError { s += ": " + ((u as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(u)") }
        }
        return s.count > 120 ? String(s.prefix(120)) + "…" : s
    }
}

/// A JSON value with exact types: JSONDecoder keeps booleans, integers and other numbers apart
/// (JSONSerialization's NSNumber does not on Linux, where 0 and 1 cast to Bool).
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Int.self) { self = .int(v) }
        else if let v = try? c.decode(Double.self) { self = .double(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([JSONValue].self) { self = .array(v) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value of a number (integer or not), nil for anything else.
    var number: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }

    /// What kind of value this is, for messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Hints rasterised for the network at a working resolution: 3 planes [a/abScale, b/abScale, mask].
public struct HintRaster {
    /// Maps hints given in a `sourceWidth × sourceHeight` image onto a `width × height` grid (same
    /// picture, resized) with `Hint.scaled`. Later hints overwrite earlier ones where they overlap.
    /// `abScale` is the model's (`ModelConfig.input.ab_scale`).
    public static func rasterize(_ hints: [Hint], sourceWidth: Int, sourceHeight: Int,
                                 width: Int, height: Int, abScale: Float) -> PlanarImage {
        var out = PlanarImage(width: width, height: height, channels: 3)
        let n = width * height
        for h0 in hints {
            let h = h0.scaled(fromWidth: sourceWidth, fromHeight: sourceHeight, toWidth: width, toHeight: height)
            for y in h.y..<min(height, h.y + h.size) {
                for x in h.x..<min(width, h.x + h.size) {
                    let i = y * width + x
                    out.data[i] = h.a / abScale
                    out.data[n + i] = h.b / abScale
                    out.data[2 * n + i] = 1
                }
            }
        }
        return out
    }
}

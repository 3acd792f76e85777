import Foundation
import FindColorImage

/// A user hint: a square patch of the input image that should have the colour (a*, b*).
/// `x`, `y` are the patch's top-left pixel and `size` its side, in the input image's pixels.
public struct Hint: Codable, Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var size: Int
    public var a: Float
    public var b: Float

    public init(x: Int, y: Int, size: Int = 1, a: Float, b: Float) {
        self.x = x
        self.y = y
        self.size = size
        self.a = a
        self.b = b
    }

    /// The hint's colour as Lab a*b* of an sRGB hex colour such as "#a03020" or "#a32".
    public static func ab(ofHex hex: String) -> (a: Float, b: Float)? {
        var s = hex.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("#") { s.removeFirst() }
        if s.count == 3 { s = s.map { "\($0)\($0)" }.joined() }
        guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
        let rgb = RGBColor(r: Float((v >> 16) & 0xff) / 255, g: Float((v >> 8) & 0xff) / 255, b: Float(v & 0xff) / 255)
        let lab = CIELab.lab(fromSRGB: rgb)
        return (lab.a, lab.b)
    }
}

/// The hint file format shared by the CLI (`--hints`) and the HTTP API:
///
///     {"hints": [{"x": 120, "y": 64, "size": 6, "ab": [12.5, -30.0]},
///                {"x": 10, "y": 200, "size": 3, "color": "#a03020"}]}
///
/// `size` defaults to 1; the colour is given either as CIE Lab `ab` or as an sRGB hex `color`.
public enum HintParser {
    /// Largest |a*| or |b*| accepted (the sRGB gamut spans about −86…98 in a*, −108…95 in b*).
    public static let maxAB: Float = 128
    public static let maxHints = 10_000

    public static func parse(_ json: Data, imageWidth: Int, imageHeight: Int) throws -> [Hint] {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            throw FindColorError.invalidHints("not valid JSON (\(shortReason(error)))")
        }
        guard case .object(let object) = root, let list = object["hints"] else {
            throw FindColorError.invalidHints("expected an object {\"hints\": [...]}")
        }
        guard case .array(let items) = list else {
            throw FindColorError.invalidHints("\"hints\" must be an array")
        }
        guard items.count <= maxHints else {
            throw FindColorError.invalidHints("\(items.count) hints; at most \(maxHints) are accepted")
        }
        return try items.enumerated().map { i, item in
            try parseOne(item, index: i, imageWidth: imageWidth, imageHeight: imageHeight)
        }
    }

    /// Encodes hints in the same format, colours as `ab`.
    public static func encode(_ hints: [Hint]) -> Data {
        let items: [[String: Any]] = hints.map {
            ["x": $0.x, "y": $0.y, "size": $0.size, "ab": [Double($0.a), Double($0.b)]]
        }
        return (try? JSONSerialization.data(withJSONObject: ["hints": items], options: [.sortedKeys])) ?? Data("{\"hints\":[]}".utf8)
    }

    /// Checks hints built in code (e.g. by the server) against an image.
    public static func validate(_ hints: [Hint], imageWidth: Int, imageHeight: Int) throws {
        for (i, h) in hints.enumerated() {
            try check(h, index: i, imageWidth: imageWidth, imageHeight: imageHeight)
        }
    }

    private static func parseOne(_ item: JSONValue, index i: Int, imageWidth: Int, imageHeight: Int) throws -> Hint {
        guard case .object(let d) = item else {
            throw FindColorError.invalidHints("hint \(i): expected an object with x, y and ab or color")
        }
        func integer(_ key: String, default def: Int? = nil) throws -> Int {
            guard let v = d[key] else {
                if let def { return def }
                throw FindColorError.invalidHints("hint \(i): missing \"\(key)\"")
            }
            guard case .int(let value) = v, abs(value) < 1_000_000_000 else {
                throw FindColorError.invalidHints("hint \(i): \"\(key)\" must be an integer")
            }
            return value
        }
        let x = try integer("x"), y = try integer("y"), size = try integer("size", default: 1)
        let hasAB = d["ab"] != nil, hasColor = d["color"] != nil
        guard hasAB != hasColor else {
            throw FindColorError.invalidHints("hint \(i): give exactly one of \"ab\" or \"color\"")
        }
        let a: Float, b: Float
        if hasAB {
            guard case .array(let arr) = d["ab"]!, arr.count == 2, let a0 = arr[0].number, let b0 = arr[1].number else {
                throw FindColorError.invalidHints("hint \(i): \"ab\" must be an array of two numbers")
            }
            a = Float(a0)
            b = Float(b0)
        } else {
            guard case .string(let s) = d["color"]!, let ab = Hint.ab(ofHex: s) else {
                throw FindColorError.invalidHints("hint \(i): \"color\" must be an sRGB hex colour like \"#a03020\"")
            }
            (a, b) = ab
        }
        let hint = Hint(x: x, y: y, size: size, a: a, b: b)
        try check(hint, index: i, imageWidth: imageWidth, imageHeight: imageHeight)
        return hint
    }

    private static func check(_ h: Hint, index i: Int, imageWidth: Int, imageHeight: Int) throws {
        if let problem = problem(with: h, imageWidth: imageWidth, imageHeight: imageHeight) {
            throw FindColorError.invalidHints("hint \(i): \(problem)")
        }
    }

    /// What is wrong with a hint for a `imageWidth × imageHeight` photo, or nil if nothing.
    public static func problem(with h: Hint, imageWidth: Int, imageHeight: Int) -> String? {
        guard h.size >= 1 else { return "size must be at least 1, got \(h.size)" }
        guard h.x >= 0, h.y >= 0, h.x + h.size <= imageWidth, h.y + h.size <= imageHeight else {
            return "patch at (\(h.x), \(h.y)) of size \(h.size) is outside the \(imageWidth)×\(imageHeight) image"
        }
        guard h.a.isFinite, h.b.isFinite, abs(h.a) <= maxAB, abs(h.b) <= maxAB else {
            return "ab (\(h.a), \(h.b)) out of range [−\(Int(maxAB)), \(Int(maxAB))]"
        }
        return nil
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
}

/// Hints rasterised for the network at a working resolution: 3 planes [a/110, b/110, mask].
public struct HintRaster {
    /// Maps hints given in a `sourceWidth × sourceHeight` image onto a `width × height` grid
    /// (same picture, resized). A patch keeps its area after scaling (side = max(1, round(size·s))),
    /// its position scales with the image. Later hints overwrite earlier ones where they overlap.
    public static func rasterize(_ hints: [Hint], sourceWidth: Int, sourceHeight: Int,
                                 width: Int, height: Int, abScale: Float = 110) -> PlanarImage {
        var out = PlanarImage(width: width, height: height, channels: 3)
        let sx = Double(width) / Double(sourceWidth), sy = Double(height) / Double(sourceHeight)
        let n = width * height
        for h in hints {
            let side = max(1, Int((Double(h.size) * (sx * sy).squareRoot()).rounded()))
            // centre of the patch, mapped, then a patch of `side` around it
            let cx = (Double(h.x) + Double(h.size) / 2) * sx, cy = (Double(h.y) + Double(h.size) / 2) * sy
            let x0 = min(max(0, Int((cx - Double(side) / 2).rounded())), max(0, width - side))
            let y0 = min(max(0, Int((cy - Double(side) / 2).rounded())), max(0, height - side))
            for y in y0..<min(height, y0 + side) {
                for x in x0..<min(width, x0 + side) {
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

import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FindColorServer

/// All server tests, run one at a time: they share one colorizer (which must not be called
/// concurrently) and each test app has its own inference queue.
@Suite(.serialized) struct ServerTests {}

/// Shared test fixtures: the colorizer, synthetic images, multipart bodies, temporary folders.
enum Fixtures {
    /// The bundled model, loaded once. FINDCOLOR_MODEL is pointed at the repository's model when
    /// it is not set and the file exists.
    static let colorizer: Result<Colorizer, any Error> = {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = repository.appendingPathComponent("Models/findcolor-v2.safetensors")
        if ProcessInfo.processInfo.environment["FINDCOLOR_MODEL"] == nil,
           FileManager.default.fileExists(atPath: model.path) {
            setenv("FINDCOLOR_MODEL", model.path, 1)
        }
        return Result { try Colorizer.bundled() }
    }()

    static func model() throws -> Colorizer {
        try colorizer.get()
    }

    /// A new empty folder under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("findcolor-server-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A gray test picture: a diagonal gradient with a bright disc and a dark bar.
    static func grayImage(width: Int, height: Int) -> PlanarImage {
        PlanarImage(width: width, height: height, channels: 1) { x, y, _ in
            let dx = Float(x) - Float(width) * 0.6, dy = Float(y) - Float(height) * 0.4
            if dx * dx + dy * dy < Float(min(width, height) * min(width, height)) / 16 { return 0.9 }
            if y > height * 3 / 4 && x < width / 2 { return 0.15 }
            return 0.25 + 0.5 * Float(x + y) / Float(width + height)
        }
    }

    static func grayPNG(width: Int = 64, height: Int = 48) throws -> Data {
        try ImageCodec.encode(grayImage(width: width, height: height), as: .png(bitDepth: 8))
    }

    /// A colourful picture (to use as a reference photo).
    static func colourPNG(width: Int = 64, height: Int = 64) throws -> Data {
        let image = PlanarImage(width: width, height: height, channels: 3) { x, y, c in
            switch c {
            case 0: return 0.2 + 0.7 * Float(x) / Float(width)
            case 1: return 0.6 - 0.4 * Float(y) / Float(height)
            default: return 0.3
            }
        }
        return try ImageCodec.encode(image, as: .png(bitDepth: 8))
    }

    /// A black mask with a white rectangle in its left half.
    static func maskPNG(width: Int, height: Int) throws -> Data {
        let mask = PlanarImage(width: width, height: height, channels: 1) { x, _, _ in x < width / 2 ? 1 : 0 }
        return try ImageCodec.encode(mask, as: .png(bitDepth: 8))
    }

    struct Field {
        var name: String
        var filename: String?
        var contentType: String?
        var data: Data

        static func file(_ name: String, _ data: Data, filename: String = "upload.png", contentType: String = "image/png") -> Field {
            Field(name: name, filename: filename, contentType: contentType, data: data)
        }

        static func text(_ name: String, _ value: String) -> Field {
            Field(name: name, filename: nil, contentType: nil, data: Data(value.utf8))
        }
    }

    /// A multipart/form-data body and its headers.
    static func multipart(_ fields: [Field], boundary: String = "----FindColorTestBoundary7MA4YWxkTrZu0gW") -> (body: ByteBuffer, headers: HTTPFields) {
        var body = Data()
        for field in fields {
            body.append(Data("--\(boundary)\r\n".utf8))
            var disposition = "Content-Disposition: form-data; name=\"\(field.name)\""
            if let filename = field.filename { disposition += "; filename=\"\(filename)\"" }
            body.append(Data("\(disposition)\r\n".utf8))
            if let contentType = field.contentType { body.append(Data("Content-Type: \(contentType)\r\n".utf8)) }
            body.append(Data("\r\n".utf8))
            body.append(field.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var headers = HTTPFields()
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return (ByteBuffer(bytes: body), headers)
    }

    static func jsonBody(_ text: String) -> (body: ByteBuffer, headers: HTTPFields) {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return (ByteBuffer(string: text), headers)
    }

    /// An application on `dataDirectory` with the real colorizer (or `engine`) and its own queue.
    static func app(
        dataDirectory: URL,
        limits: ServerLimits = .default,
        engine: (any ColorizationEngine)? = nil,
        queue: InferenceQueue? = nil,
        access: AccessPolicy = .default,
        repair: RepairService = RepairService()
    ) throws -> some ApplicationProtocol {
        let engine = try engine ?? model()
        return try buildApplication(
            host: "127.0.0.1", port: 0, dataDirectory: dataDirectory, engine: engine,
            queue: queue, limits: limits, access: access, logger: nil, repair: repair)
    }
}

extension TestResponse {
    var data: Data { Data(body.readableBytesView) }

    /// The body as a JSON object (or an empty one when it is not JSON).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    var errorMessage: String? { json["error"] as? String }

    var isJSON: Bool { headers[.contentType]?.hasPrefix("application/json") == true }

    func decodedImage() throws -> PlanarImage {
        try ImageCodec.decode(data).image
    }
}

/// Mean chroma (√(a² + b²)) of an sRGB image, over all pixels.
func meanChroma(_ image: PlanarImage) -> Float {
    guard image.channels == 3 else { return 0 }
    let lab = srgbToLab(image)
    let n = lab.planeSize
    var sum: Float = 0
    for i in 0..<n {
        let a = lab.data[n + i], b = lab.data[2 * n + i]
        sum += (a * a + b * b).squareRoot()
    }
    return sum / Float(max(n, 1))
}

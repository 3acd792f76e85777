import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Building responses: JSON documents, image bytes and empty answers.
enum Responses {
    static let stateHashHeader = HTTPField.Name("X-State-Hash")!
    static let cacheHeader = HTTPField.Name("X-Render-Cache")!
    static let millisecondsHeader = HTTPField.Name("X-Render-Milliseconds")!

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as a JSON document.
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder().encode(value)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Raw bytes with a content type.
    static func bytes(_ data: Data, contentType: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A rendered image, with its state hash and timing in headers.
    static func rendered(_ rendered: ProjectRenderer.Rendered, download name: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[stateHashHeader] = rendered.stateHash
        headers[cacheHeader] = rendered.cached ? "hit" : "miss"
        headers[millisecondsHeader] = String(format: "%.1f", rendered.milliseconds)
        if let name {
            headers[.contentDisposition] = contentDisposition(filename: "\(name).\(rendered.format.fileExtension)")
        }
        return bytes(rendered.data, contentType: rendered.format.mimeType, headers: headers)
    }

    /// `204 No Content`.
    static func noContent() -> Response {
        Response(status: .noContent)
    }

    /// An `attachment` Content-Disposition with an ASCII fallback and an RFC 5987 UTF-8 name.
    static func contentDisposition(filename: String) -> String {
        let ascii = String(filename.unicodeScalars.map { scalar -> Character in
            (scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\") ? Character(scalar) : "_"
        })
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}

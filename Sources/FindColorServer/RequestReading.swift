import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading request bodies within the server's limits: raw bytes, multipart forms and JSON objects.
enum RequestReading {
    /// The whole body, refusing (413) anything above `limit` bytes, by its declared length if any.
    static func body(_ request: Request, limit: Int) async throws -> ByteBuffer {
        let tooLarge = APIError.tooLarge("the request body is larger than the limit of \(ServerLimits.describeBytes(limit))")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    /// The body as `Data`.
    static func data(_ request: Request, limit: Int) async throws -> Data {
        let buffer = try await body(request, limit: limit)
        return Data(buffer.readableBytesView)
    }

    /// A `multipart/form-data` body (415 for other content types, 400 when malformed).
    static func multipart(_ request: Request, limit: Int) async throws -> MultipartForm {
        let boundary = try MultipartForm.boundary(fromContentType: request.headers[.contentType])
        let buffer = try await body(request, limit: limit)
        return try MultipartForm.parse(buffer, boundary: boundary)
    }

    /// Largest JSON body accepted (hint lists of 10 000 hints fit comfortably).
    static let jsonLimit = 4 * 1024 * 1024

    /// A JSON object body. Refused with 415 unless its Content-Type is `application/json`: the
    /// content types a page of another site can send without asking (`text/plain`, forms) are
    /// never read as JSON, so such a page cannot drive the API by a plain form or `fetch`.
    static func jsonObject(_ request: Request) async throws -> JSONObject {
        try requireJSONContentType(request)
        let data = try await self.data(request, limit: jsonLimit)
        return try JSONObject(data: data)
    }

    /// The raw JSON bytes of a JSON body (content type checked as in `jsonObject`).
    static func jsonData(_ request: Request) async throws -> Data {
        try requireJSONContentType(request)
        return try await data(request, limit: jsonLimit)
    }

    /// Throws 415 unless the request's Content-Type is `application/json` (parameters such as
    /// `charset=utf-8` allowed).
    static func requireJSONContentType(_ request: Request) throws {
        guard let contentType = request.headers[.contentType], !contentType.isEmpty else {
            throw APIError.unsupportedMediaType("the request has no Content-Type; send the JSON body with Content-Type: application/json")
        }
        let mediaType = HeaderValue.parse(contentType).value
        guard mediaType == "application/json" else {
            throw APIError.unsupportedMediaType(
                "the request body is \(mediaType); send the JSON body with Content-Type: application/json")
        }
    }
}

/// A parsed JSON object body: its member names (to refuse unknown fields, which are usually typos)
/// and typed decoding of its content (JSONDecoder keeps `true` and `1` apart).
struct JSONObject {
    let data: Data
    let members: [String: Any]

    init(data: Data) throws {
        guard !data.isEmpty else { throw APIError.badRequest("the request body is empty; expected a JSON object") }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw APIError.badRequest("the request body is not valid JSON")
        }
        guard let object = value as? [String: Any] else {
            throw APIError.badRequest("the request body must be a JSON object")
        }
        self.data = data
        members = object
    }

    /// Throws when the object has members other than `allowed`.
    func allowOnly(_ allowed: Set<String>) throws {
        let unknown = Set(members.keys).subtracting(allowed)
        if let first = unknown.sorted().first {
            throw APIError.badRequest(
                "unknown field \"\(first)\"; allowed: \(allowed.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }

    func has(_ key: String) -> Bool { members[key] != nil }

    /// The body decoded as `T`; type errors are answered 400 with the member's name.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest("invalid request body: \(APIError.describe(error))")
        }
    }
}

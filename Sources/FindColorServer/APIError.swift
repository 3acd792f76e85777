import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered to the client as `{"error": "<message>"}` with an HTTP status.
///
/// Every failure of the API ends up as one of these (see `APIError.from(_:)`), so a client always
/// gets a JSON body with a readable one-line explanation, never an empty 500.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse()
    }

    /// The JSON response for this error.
    func jsonResponse() -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = ErrorBody(error: message)
        let data = (try? Self.encoder.encode(body)) ?? Data("{\"error\":\"internal error\"}".utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Encodes error bodies; URLs and origins in messages keep their slashes.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    struct ErrorBody: Codable, Sendable {
        var error: String
    }

    // MARK: Common errors

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    static func unprocessable(_ message: String) -> APIError { APIError(.unprocessableContent, message) }
    static func unsupportedMediaType(_ message: String) -> APIError { APIError(.unsupportedMediaType, message) }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, message) }
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, message) }
    static func internalError(_ message: String) -> APIError { APIError(.internalServerError, message) }

    // MARK: Mapping

    /// Maps any error thrown while handling a request to the status and message the client sees.
    static func from(_ error: any Error, request: Request? = nil, limits: ServerLimits = .default) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as InferenceQueue.Busy:
            var headers = HTTPFields()
            headers[.retryAfter] = String(error.retryAfterSeconds)
            return APIError(.serviceUnavailable, error.description, headers: headers)
        case let error as MemoryBudget.Exhausted:
            var headers = HTTPFields()
            headers[.retryAfter] = String(error.retryAfterSeconds)
            return APIError(.serviceUnavailable, error.description, headers: headers)
        case let error as MemoryBudget.TooLarge:
            return .tooLarge(error.description)
        case is NIOTooManyBytesError:
            return .tooLarge("the request body is larger than the limit of \(ServerLimits.describeBytes(limits.maxUploadBytes))")
        case let error as ImageError:
            return image(error, role: "image")
        case let error as FindColorError:
            return colorizer(error)
        case let error as HTTPError:
            if error.status == .notFound, error.body == nil, let request {
                return .notFound("no such endpoint: \(request.method.rawValue) \(request.uri.path)")
            }
            return APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        case let error as DecodingError:
            return .badRequest("invalid JSON: \(describe(error))")
        case let error as StoreError:
            return store(error)
        case let error as any HTTPResponseError:
            return APIError(error.status, String(describing: error))
        default:
            return .internalError("internal error: \(String(describing: error))")
        }
    }

    /// Maps an image decoding error of the upload named `role` ("image", "reference photo", ...).
    static func image(_ error: ImageError, role: String) -> APIError {
        switch error {
        case .empty:
            return .badRequest("the \(role) is empty (0 bytes)")
        case .unrecognizedFormat:
            return .unsupportedMediaType("the \(role) is not a JPEG, PNG or TIFF image")
        case .tooLarge:
            return .tooLarge("the \(role) is too large: \(error.description)")
        case .unsupported:
            return .unsupportedMediaType("the \(role) cannot be read: \(error.description)")
        case .zeroSize, .corrupt:
            return .badRequest("the \(role) cannot be decoded: \(error.description)")
        case .invalidArgument, .io:
            return .badRequest("the \(role) cannot be read: \(error.description)")
        case .encodingFailed:
            return .internalError("could not encode the \(role): \(error.description)")
        }
    }

    /// Maps an error of the colorizer: bad hints are a malformed request (400), a region or
    /// reference that does not fit the photo is a semantic error (422), a model failure is ours (500).
    static func colorizer(_ error: FindColorError) -> APIError {
        switch error {
        case .invalidHints:
            return .badRequest(error.description)
        case .invalidRegion, .invalidReference:
            return .unprocessable(error.description)
        case .invalidImage:
            return .unprocessable(error.description)
        case .model:
            return .internalError(error.description)
        default:
            return .badRequest(error.description)
        }
    }

    static func store(_ error: StoreError) -> APIError {
        switch error {
        case .projectNotFound, .hintNotFound:
            return .notFound(error.description)
        case .invalid:
            return .badRequest(error.description)
        case .fileMissing, .io, .database:
            return .internalError(error.description)
        }
    }

    /// A short description of a `DecodingError` (which key, what was wrong).
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var p = ""
            for key in codingPath {
                if let index = key.intValue {
                    p += "[\(index)]"
                } else {
                    p += (p.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return p.isEmpty ? "the body" : "\"\(p)\""
        }
        switch error {
        case .typeMismatch(_, let context):
            return "\(path(context.codingPath)) has the wrong type"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)) must not be null"
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" in \(path(context.codingPath))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

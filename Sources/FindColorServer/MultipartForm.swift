import Foundation
import MultipartKit
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed `multipart/form-data` body (RFC 7578): the named fields, in order.
///
/// Public (with `Part`, `parse`, `boundary(fromContentType:)` and `maxParts`) so that the
/// libFuzzer target in `fuzz/` can reach it from outside the module; the server is its only user.
public struct MultipartForm: Sendable {
    /// One field of the form.
    public struct Part: Sendable {
        /// The field name from `Content-Disposition: form-data; name="..."`.
        public var name: String
        /// The file name, for file fields.
        public var filename: String?
        /// The part's own `Content-Type`, if given.
        public var contentType: String?
        /// The bytes between the part's headers and the next delimiter.
        public var body: Data

        /// The body as UTF-8 text (for plain fields), trimmed of surrounding whitespace.
        public func text() throws -> String {
            guard let string = String(data: body, encoding: .utf8) else {
                throw APIError.badRequest("the field \"\(name)\" is not valid UTF-8 text")
            }
            return string.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    public var parts: [Part]

    /// The first part named `name`.
    public func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// Most parts accepted in one request.
    public static let maxParts = 64
    /// Largest header block of one part.
    static let maxHeaderBytes = 16 * 1024

    // MARK: Content-Type

    /// The boundary of a `multipart/form-data` content type; throws 415 for any other content type
    /// and 400 for a multipart type without a usable boundary.
    public static func boundary(fromContentType contentType: String?) throws -> String {
        guard let contentType, !contentType.isEmpty else {
            throw APIError.unsupportedMediaType(
                "the request has no Content-Type; send multipart/form-data (e.g. curl -F image=@photo.jpg)")
        }
        let (mediaType, parameters) = HeaderValue.parse(contentType)
        guard mediaType == "multipart/form-data" else {
            throw APIError.unsupportedMediaType(
                "the request body is \(mediaType), expected multipart/form-data (e.g. curl -F image=@photo.jpg)")
        }
        guard let boundary = parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw APIError.badRequest("the multipart/form-data Content-Type has no valid boundary parameter")
        }
        return boundary
    }

    // MARK: Parsing

    /// Parses `body` (the whole request body) with the given boundary: vapor/multipart-kit's
    /// `MultipartParser` splits it into parts; this keeps the server's limits (`maxParts`,
    /// `maxHeaderBytes`) and rules (every part is `form-data` with a name), and answers 400 with
    /// what is wrong.
    public static func parse(_ body: ByteBuffer, boundary: String) throws -> MultipartForm {
        guard !boundary.isEmpty else { throw APIError.badRequest("the multipart/form-data boundary is empty") }
        try body.withUnsafeReadableBytes { try checkHeaderNames($0, boundary: boundary) }

        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        // The part being read: its headers (names lower-cased), their size, and its body so far.
        var headers: [String: String] = [:]
        var headerBytes = 0
        var partBody = Data()
        var started = false
        var problem: String?
        var callbacks = 0

        parser.onHeader = { name, value in
            callbacks += 1
            started = true
            headerBytes += name.utf8.count + value.utf8.count + 4
            if headerBytes > maxHeaderBytes {
                problem = problem ?? "a part's headers are longer than \(maxHeaderBytes / 1024) KiB"
            }
            headers[name.lowercased()] = value.trimmingCharacters(in: .whitespaces)
        }
        parser.onBody = { chunk in
            callbacks += 1
            started = true
            chunk.withUnsafeReadableBytes { partBody.append(contentsOf: $0) }
        }
        parser.onPartComplete = {
            callbacks += 1
            defer {
                headers = [:]
                headerBytes = 0
                partBody = Data()
                started = false
            }
            guard problem == nil else { return }
            guard parts.count < maxParts else {
                problem = "too many multipart fields (at most \(maxParts))"
                return
            }
            guard let disposition = headers["content-disposition"] else {
                problem = "malformed multipart body: a part has no Content-Disposition header"
                return
            }
            let (dispositionType, parameters) = HeaderValue.parse(disposition)
            guard dispositionType == "form-data", let name = parameters["name"], !name.isEmpty else {
                problem = "malformed multipart body: a part is not form-data with a name"
                return
            }
            parts.append(Part(name: name, filename: parameters["filename"], contentType: headers["content-type"], body: partBody))
        }

        do {
            try parser.execute(body)
        } catch {
            throw APIError.badRequest(problem ?? "malformed multipart body: a boundary line or a part's headers are not well-formed")
        }
        if let problem { throw APIError.badRequest(problem) }
        // Complete only if the parser has reached the closing delimiter ("--boundary--"): past it,
        // anything more is epilogue, ignored without a callback. Anywhere else, more input either
        // continues the body, completes a part or is refused.
        let before = callbacks
        let ended = (try? parser.execute(ByteBuffer(string: "\r\n--\(boundary)--"))) != nil && callbacks == before && !started
        guard ended else {
            throw APIError.badRequest("malformed multipart body: it is truncated (no closing boundary)")
        }
        return MultipartForm(parts: parts)
    }

    /// Refuses what multipart-kit 4.7.1's parser cannot be given: a byte ≥ 0x80 in a part's header
    /// name, which it looks up in a 128-entry table and traps on (a crash of the whole server from one
    /// request; found by `fuzz/`'s FuzzMultipart). Header names are ASCII tokens (RFC 7230), so no
    /// valid form is refused. Checks every header block the parser can read: the lines after each
    /// "--boundary" CRLF up to the first empty line, each up to its first colon. Also answers a body
    /// without the boundary.
    static func checkHeaderNames(_ body: UnsafeRawBufferPointer, boundary: String) throws {
        let delimiter = Array("--\(boundary)\r\n".utf8)
        guard find(Array("--\(boundary)".utf8), in: body, from: 0) != nil else {
            throw APIError.badRequest("malformed multipart body: the boundary never occurs")
        }
        var search = 0
        while let found = find(delimiter, in: body, from: search) {
            var line = found + delimiter.count
            search = line
            // Header lines, up to the empty line that ends the block (or the end of the body).
            while line < body.count {
                let end = find([13], in: body, from: line) ?? body.count
                if end == line { break }
                var i = line
                while i < end, body[i] != UInt8(ascii: ":") {
                    guard body[i] < 0x80 else {
                        throw APIError.badRequest("malformed multipart body: a part's header name is not ASCII")
                    }
                    i += 1
                }
                line = end + 2  // past CR LF
            }
        }
    }

    /// The offset of the first occurrence of `needle` at or after `start` (memchr for the first byte,
    /// then a comparison).
    static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, !needle.isEmpty, start >= 0 else { return nil }
        let count = haystack.count
        var offset = start
        let first = Int32(needle[0])
        while offset + needle.count <= count {
            guard let hit = memchr(base + offset, first, count - offset - needle.count + 1) else { return nil }
            let index = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + index, needle, needle.count) == 0 { return index }
            offset = index + 1
        }
        return nil
    }

    /// `parse(_:boundary:)` of bytes (the libFuzzer target and tests).
    public static func parse(_ body: UnsafeRawBufferPointer, boundary: String) throws -> MultipartForm {
        try parse(ByteBuffer(bytes: body), boundary: boundary)
    }
}

/// Parsing of header values of the form `type/subtype; key=value; key="quoted value"`.
enum HeaderValue {
    /// The lower-cased main value and the parameters (keys lower-cased, quotes removed).
    static func parse(_ value: String) -> (value: String, parameters: [String: String]) {
        var scalars = Substring(value)
        let main = takeUntil(&scalars, ";").trimmingCharacters(in: .whitespaces).lowercased()
        var parameters: [String: String] = [:]
        while !scalars.isEmpty {
            scalars.removeFirst()  // the ';'
            let key = takeUntil(&scalars, "=;").trimmingCharacters(in: .whitespaces).lowercased()
            var parameterValue = ""
            if scalars.first == "=" {
                scalars.removeFirst()
                while scalars.first == " " { scalars.removeFirst() }
                if scalars.first == "\"" {
                    scalars.removeFirst()
                    while let c = scalars.first {
                        scalars.removeFirst()
                        if c == "\\", let escaped = scalars.first {
                            parameterValue.append(escaped)
                            scalars.removeFirst()
                        } else if c == "\"" {
                            break
                        } else {
                            parameterValue.append(c)
                        }
                    }
                    _ = takeUntil(&scalars, ";")
                } else {
                    parameterValue = takeUntil(&scalars, ";").trimmingCharacters(in: .whitespaces)
                }
            }
            if !key.isEmpty, parameters[key] == nil { parameters[key] = parameterValue }
        }
        return (main, parameters)
    }

    private static func takeUntil(_ s: inout Substring, _ stops: String) -> String {
        let end = s.firstIndex { stops.contains($0) } ?? s.endIndex
        let taken = String(s[..<end])
        s = s[end...]
        return taken
    }
}

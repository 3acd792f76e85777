import Foundation
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

    /// Parses `body` (the whole request body) with the given boundary.
    public static func parse(_ body: UnsafeRawBufferPointer, boundary: String) throws -> MultipartForm {
        let delimiter = Array("--\(boundary)".utf8)
        let bodyDelimiter = Array("\r\n--\(boundary)".utf8)
        let headerEnd = Array("\r\n\r\n".utf8)

        // The first delimiter may be at the very start or after a preamble line.
        var position: Int
        if startsWith(body, delimiter, at: 0) {
            position = delimiter.count
        } else if let found = find(bodyDelimiter, in: body, from: 0) {
            position = found + bodyDelimiter.count
        } else {
            throw APIError.badRequest("malformed multipart body: the boundary never occurs")
        }

        var parts: [Part] = []
        while true {
            // After a delimiter: "--" ends the body, otherwise optional whitespace then CRLF.
            if startsWith(body, Array("--".utf8), at: position) { break }
            while position < body.count, body[position] == UInt8(ascii: " ") || body[position] == UInt8(ascii: "\t") {
                position += 1
            }
            guard startsWith(body, Array("\r\n".utf8), at: position) else {
                throw APIError.badRequest("malformed multipart body: a boundary line is not followed by a line break")
            }
            position += 2

            guard parts.count < maxParts else {
                throw APIError.badRequest("too many multipart fields (at most \(maxParts))")
            }

            // Headers up to the blank line (a part may have no headers at all: then CRLF comes at once).
            let headers: [String: String]
            let bodyStart: Int
            if startsWith(body, Array("\r\n".utf8), at: position) {
                headers = [:]
                bodyStart = position + 2
            } else {
                guard let end = find(headerEnd, in: body, from: position), end - position <= maxHeaderBytes else {
                    throw APIError.badRequest("malformed multipart body: a part's headers are not terminated")
                }
                headers = try parseHeaders(UnsafeRawBufferPointer(rebasing: body[position..<end]))
                bodyStart = end + headerEnd.count
            }

            guard let bodyEnd = find(bodyDelimiter, in: body, from: bodyStart) else {
                throw APIError.badRequest("malformed multipart body: it is truncated (no closing boundary)")
            }

            guard let disposition = headers["content-disposition"] else {
                throw APIError.badRequest("malformed multipart body: a part has no Content-Disposition header")
            }
            let (dispositionType, parameters) = HeaderValue.parse(disposition)
            guard dispositionType == "form-data", let name = parameters["name"], !name.isEmpty else {
                throw APIError.badRequest("malformed multipart body: a part is not form-data with a name")
            }
            parts.append(Part(
                name: name,
                filename: parameters["filename"],
                contentType: headers["content-type"],
                body: Data(UnsafeRawBufferPointer(rebasing: body[bodyStart..<bodyEnd]))
            ))
            position = bodyEnd + bodyDelimiter.count
        }
        return MultipartForm(parts: parts)
    }

    private static func parseHeaders(_ block: UnsafeRawBufferPointer) throws -> [String: String] {
        guard let text = String(bytes: block, encoding: .utf8) else {
            throw APIError.badRequest("malformed multipart body: part headers are not UTF-8")
        }
        var headers: [String: String] = [:]
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw APIError.badRequest("malformed multipart body: bad part header line \"\(line.prefix(60))\"")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = value
        }
        return headers
    }

    // MARK: Byte search

    private static func startsWith(_ buffer: UnsafeRawBufferPointer, _ prefix: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset + prefix.count <= buffer.count else { return false }
        for i in 0..<prefix.count where buffer[offset + i] != prefix[i] {
            return false
        }
        return true
    }

    /// The offset of the first occurrence of `needle` at or after `start` (memchr for the first byte,
    /// then a comparison: fast on binary data, where the first byte, CR, is rare).
    static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, !needle.isEmpty else { return nil }
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

import Foundation
import HTTPTypes
import Hummingbird

/// Which names the server answers to and which other web pages may change its state.
///
/// - **Host allow-list** (against DNS rebinding, where a page of `evil.example` re-points its name
///   to 127.0.0.1 and reads the API as its own origin): every request's `Host` must be `localhost`,
///   `127.0.0.1`, `::1`, the address the server is bound to, or one of `allowedHosts`. When bound to
///   a wildcard address (`0.0.0.0`, `::`), any IP-literal `Host` is accepted as well: an address
///   cannot be re-pointed, only a name can. The port is not compared.
/// - **Origin check** (against cross-site request forgery): a `POST`, `PUT`, `PATCH` or `DELETE`
///   that carries an `Origin` must come from the server's own origin (the `Origin`'s host and port
///   are the request's `Host`) or from one of `allowedOrigins`; `Origin: null` is refused. Without
///   an `Origin`, `Sec-Fetch-Site: cross-site` or `same-site` is refused (a browser request from
///   another site); other clients (curl, scripts) send neither and are served.
/// - Pages of an allowed origin get CORS headers, so that they can read the answers and send JSON.
public struct AccessPolicy: Sendable, Equatable {
    /// Extra host names (or addresses) to answer to, beyond the loopback names and the bound host.
    public var allowedHosts: [String]
    /// Extra origins (`scheme://host[:port]`) whose pages may send state-changing requests.
    public var allowedOrigins: [String]

    public init(allowedHosts: [String] = [], allowedOrigins: [String] = []) {
        self.allowedHosts = allowedHosts
        self.allowedOrigins = allowedOrigins
    }

    public static let `default` = AccessPolicy()

    /// The loopback names every server answers to.
    public static let loopbackNames = ["localhost", "127.0.0.1", "::1"]

    /// Checks the options given by a user: host names without scheme or port, origins as
    /// `scheme://host[:port]`; the message names the bad value.
    public func validate() throws {
        for host in allowedHosts {
            guard let name = Self.normalizedHost(host), !name.isEmpty, !name.contains("/"), !name.contains("*") else {
                throw AccessPolicyError(message: "--allow-host \"\(host)\" is not a host name or address (give it without scheme or port)")
            }
        }
        for origin in allowedOrigins {
            guard Self.normalizedOrigin(origin) != nil else {
                throw AccessPolicyError(message: "--allow-origin \"\(origin)\" is not an origin such as http://localhost:3000")
            }
        }
    }

    public struct AccessPolicyError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    // MARK: Normalisation

    /// A host without port or brackets, lower-cased, without a trailing dot: "[::1]:8080" → "::1".
    static func normalizedHost(_ text: String) -> String? {
        var host = text.trimmingCharacters(in: .whitespaces).lowercased()
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigitCharacter)) else { return nil }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard port.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
            host = String(host[..<colon])
        }
        while host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        return host
    }

    /// `scheme://host[:port]` lower-cased, without a default port or a trailing slash; nil when
    /// `text` is not an origin.
    static func normalizedOrigin(_ text: String) -> String? {
        var origin = text.trimmingCharacters(in: .whitespaces).lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        guard let schemeEnd = origin.range(of: "://") else { return nil }
        let scheme = String(origin[..<schemeEnd.lowerBound])
        guard scheme == "http" || scheme == "https" else { return nil }
        let authority = String(origin[schemeEnd.upperBound...])
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@"), normalizedHost(authority) != nil else { return nil }
        return "\(scheme)://\(stripDefaultPort(authority, scheme: scheme))"
    }

    /// "host:80" → "host" for http, "host:443" → "host" for https.
    static func stripDefaultPort(_ authority: String, scheme: String) -> String {
        let suffix = scheme == "https" ? ":443" : ":80"
        return authority.hasSuffix(suffix) ? String(authority.dropLast(suffix.count)) : authority
    }

    /// True for an IPv4 or IPv6 address literal.
    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    static func isWildcard(_ host: String) -> Bool {
        ["0.0.0.0", "::", "0:0:0:0:0:0:0:0", ""].contains(host)
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

/// Enforces an `AccessPolicy` (see there) and the CORS answers for allowed origins.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedHosts: Set<String>
    let allowedOrigins: Set<String>
    let acceptAnyIPLiteral: Bool
    /// For messages: the names the server answers to.
    let shownHosts: String

    static var secFetchSite: HTTPField.Name { HTTPField.Name("Sec-Fetch-Site")! }

    init(policy: AccessPolicy, boundHost: String) {
        var hosts = Set(AccessPolicy.loopbackNames)
        let bound = AccessPolicy.normalizedHost(boundHost) ?? boundHost
        let wildcard = AccessPolicy.isWildcard(bound)
        if !wildcard { hosts.insert(bound) }
        for host in policy.allowedHosts {
            if let name = AccessPolicy.normalizedHost(host) { hosts.insert(name) }
        }
        allowedHosts = hosts
        allowedOrigins = Set(policy.allowedOrigins.compactMap(AccessPolicy.normalizedOrigin))
        acceptAnyIPLiteral = wildcard
        shownHosts = hosts.sorted().joined(separator: ", ") + (wildcard ? " and this machine's IP addresses" : "")
    }

    static func isStateChanging(_ method: HTTPRequest.Method) -> Bool {
        method == .post || method == .put || method == .patch || method == .delete
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Host: what the browser thinks it is talking to.
        guard let authority = request.head.authority, !authority.isEmpty else {
            throw APIError.badRequest("the request has no Host header")
        }
        guard let host = AccessPolicy.normalizedHost(authority) else {
            throw APIError.badRequest("the Host header \"\(authority)\" is not a valid host")
        }
        guard allowedHosts.contains(host) || (acceptAnyIPLiteral && AccessPolicy.isIPLiteral(host)) else {
            throw APIError(.forbidden,
                "this server does not answer to the host name \"\(host)\" (it answers to \(shownHosts)); "
                    + "start it with --allow-host \(host) if that name is meant to reach it")
        }

        // Origin: which page sent the request.
        let originHeader = request.headers[.origin]
        let allowedCrossOrigin = originHeader.flatMap(AccessPolicy.normalizedOrigin).flatMap { allowedOrigins.contains($0) ? $0 : nil }

        if request.method == .options, let origin = allowedCrossOrigin,
           request.headers[.accessControlRequestMethod] != nil {
            return preflight(origin: origin)
        }

        if Self.isStateChanging(request.method) {
            if let originHeader {
                let sameOrigin = AccessPolicy.normalizedOrigin(originHeader).map { origin -> Bool in
                    let scheme = origin.hasPrefix("https://") ? "https" : "http"
                    let originAuthority = String(origin.dropFirst(scheme.count + 3))
                    return originAuthority == AccessPolicy.stripDefaultPort(authority.lowercased(), scheme: scheme)
                } ?? false
                guard sameOrigin || allowedCrossOrigin != nil else {
                    throw APIError(.forbidden,
                        "cross-origin request refused: \(request.method.rawValue) from the page origin \"\(originHeader)\", "
                            + "which is not this server's origin; start the server with --allow-origin to allow that page")
                }
            } else if let site = request.headers[Self.secFetchSite]?.lowercased(), site == "cross-site" || site == "same-site" {
                throw APIError(.forbidden,
                    "cross-site request refused: \(request.method.rawValue) from a page of another site (Sec-Fetch-Site: \(site))")
            }
        }

        var response = try await next(request, context)
        if let origin = allowedCrossOrigin {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = "Location, Retry-After, X-State-Hash, X-Render-Cache, X-Render-Milliseconds"
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        return response
    }

    /// The answer to a CORS preflight from an allowed origin.
    private func preflight(origin: String) -> Response {
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE"
        headers[.accessControlAllowHeaders] = "Content-Type"
        headers[.accessControlMaxAge] = "600"
        headers[.vary] = "Origin"
        return Response(status: .noContent, headers: headers)
    }
}

/// Reserves memory for a request body before it is read (its declared `Content-Length`, or the
/// upload limit when it has none, times the copies made while parsing it) and answers `503` with
/// `Retry-After` when the budget cannot hold it. The reservation lasts until the response is made.
struct BodyAdmissionMiddleware<Context: RequestContext>: RouterMiddleware {
    let memory: MemoryBudget
    let queue: InferenceQueue
    let maxUploadBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        let hasBody = (declared ?? 0) > 0 || request.headers[.transferEncoding] != nil
        guard hasBody else { return try await next(request, context) }
        let bytes = declared ?? maxUploadBytes
        // A body above the limit is refused by its route (413) without being read.
        guard bytes <= maxUploadBytes else { return try await next(request, context) }
        let queue = self.queue
        let reservation = try memory.reserve(bytes * MemoryCost.bodyCopies, for: "the request body",
                                             retryAfterSeconds: queue.suggestedRetryAfterSeconds)
        defer { reservation.release() }
        return try await next(request, context)
    }
}

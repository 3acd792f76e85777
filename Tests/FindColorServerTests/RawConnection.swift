import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP connection to a test server, for what an HTTP client library will not do: stay
/// silent, send half a request, or send a request with a `Host` of our choosing. Blocking calls,
/// meant to run through `onThread`.
final class RawConnection: @unchecked Sendable {
    private(set) var fd: Int32 = -1

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `127.0.0.1:port`, or `[::1]:port` when that fails (the test server binds "localhost").
    init(port: Int) throws {
        if let fd = Self.connect4(port: port) ?? Self.connect6(port: port) {
            self.fd = fd
        } else {
            throw Failure(description: "cannot connect to localhost:\(port): errno \(errno)")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    private static func connect4(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { _ = Glibc.close(fd); return nil }
        return fd
    }

    private static func connect6(port: Int) -> Int32? {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        address.sin6_addr = in6addr_loopback
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        if result != 0 { _ = Glibc.close(fd); return nil }
        return fd
    }

    func send(_ text: String) throws {
        try send(Data(text.utf8))
    }

    func send(_ data: Data) throws {
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads until the server closes the connection or `timeout` seconds pass. Returns what was
    /// read and whether the connection was closed (end of stream or reset).
    func readUntilClosed(timeout: Double) -> (data: Data, closed: Bool) {
        var received = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return (received, false) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, min(remaining * 1000, 1000))))
            if ready < 0 { return (received, true) }
            if ready == 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return (received, true) }
            received.append(contentsOf: buffer[0..<count])
        }
    }

    /// Reads one HTTP response (head, and a body of its Content-Length) within `timeout` seconds.
    /// Returns nil when the connection closes or the time passes before it is complete.
    func readResponse(timeout: Double) -> RawResponse? {
        var received = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = RawResponse(parsing: received) { return response }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, min(remaining * 1000, 1000))))
            if ready < 0 { return nil }
            if ready == 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return RawResponse(parsing: received) }
            received.append(contentsOf: buffer[0..<count])
        }
    }
}

/// A parsed HTTP/1.1 response.
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: Data

    init?(parsing data: Data) {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        guard let head = String(data: data[..<end.lowerBound], encoding: .utf8) else { return nil }
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        let body = data[end.upperBound...]
        guard body.count >= length else { return nil }
        self.status = status
        self.headers = headers
        self.body = Data(body.prefix(length))
    }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }
}

/// Runs blocking work on its own thread (not on the Swift concurrency pool, which the server's
/// request handling needs).
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}

/// A GET request with the given Host.
func rawGET(_ path: String, host: String = "localhost", extra: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(extra)\r\n"
}

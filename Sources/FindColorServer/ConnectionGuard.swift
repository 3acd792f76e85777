import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// The server's open connections: the cap, and which connection gives way when it is reached.
///
/// At the cap a new connection replaces the connection that has been idle the longest (no request
/// in progress: kept alive between requests, or still sending a request head), which is closed;
/// clients reopen connections they lose that way, as they do after any idle close. Only when every
/// open connection has a request in progress is the new one refused (`503`, `Retry-After`, closed).
/// So thousands of idle or slow sockets cannot lock out a client with an actual request, and the
/// server never holds more than `maxConnections` file descriptors for connections (plus those
/// being closed).
public final class ConnectionRegistry: @unchecked Sendable {
    /// What `GET /health` reports.
    public struct Status: Codable, Equatable, Sendable {
        public var open: Int
        public var maxConnections: Int
        public var accepted: Int
        /// Idle connections closed to make room for new ones.
        public var evicted: Int
        /// New connections answered 503 because every open one had a request in progress.
        public var refused: Int
        /// Connections closed after `idleTimeout` without a request.
        public var idleClosed: Int
        /// Requests whose head or body did not arrive in time.
        public var headerTimeouts: Int
        public var bodyTimeouts: Int
    }

    enum Admission {
        case accepted
        case acceptedEvicting(any Channel)
        case refused
    }

    private struct Entry {
        let connection: AnyObject
        let channel: any Channel
        /// Set while the connection is idle: its place in `idleQueue`.
        var idleGeneration: UInt64?
    }

    public let maxConnections: Int
    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]
    /// Connections in the order they became idle (oldest first); stale items are skipped.
    private var idleQueue: [(id: ObjectIdentifier, generation: UInt64)] = []
    private var idleHead = 0
    private var generation: UInt64 = 0
    private var counters = Status(open: 0, maxConnections: 0, accepted: 0, evicted: 0, refused: 0, idleClosed: 0,
                                  headerTimeouts: 0, bodyTimeouts: 0)

    public init(maxConnections: Int) {
        precondition(maxConnections >= 1, "maxConnections must be at least 1")
        self.maxConnections = maxConnections
    }

    private var listenerTuned = false

    /// Lets the listening socket accept up to 64 connections per wakeup instead of NIO's 4, so that
    /// a flood of connections drains the kernel's accept queue rather than overflowing it (an
    /// overflow drops SYNs, and a dropped SYN costs the client a one-second retransmission).
    /// Hummingbird has no setting for the listener's options; it is reached through the first
    /// accepted connection.
    func tuneListener(_ listener: (any Channel)?) {
        guard let listener else { return }
        let first: Bool = locked {
            defer { listenerTuned = true }
            return !listenerTuned
        }
        if first {
            listener.setOption(ChannelOptions.maxMessagesPerRead, value: 64).whenFailure { _ in }
        }
    }

    public var status: Status {
        locked {
            var status = counters
            status.open = entries.count
            status.maxConnections = maxConnections
            return status
        }
    }

    /// Registers a new connection (idle, as it has sent nothing yet).
    func open(_ connection: AnyObject, channel: any Channel) -> Admission {
        locked {
            let id = ObjectIdentifier(connection)
            var victim: (any Channel)?
            if entries.count >= maxConnections {
                victim = popOldestIdle()
                guard victim != nil else {
                    counters.refused += 1
                    return .refused
                }
                counters.evicted += 1
            }
            counters.accepted += 1
            entries[id] = Entry(connection: connection, channel: channel, idleGeneration: nil)
            markIdle(id)
            return victim.map { .acceptedEvicting($0) } ?? .accepted
        }
    }

    func closed(_ connection: AnyObject) {
        locked { _ = entries.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// Idle connections may be closed to make room; busy ones (a request in progress) may not.
    func setIdle(_ connection: AnyObject, _ idle: Bool) {
        locked {
            let id = ObjectIdentifier(connection)
            guard entries[id] != nil else { return }
            if idle {
                markIdle(id)
            } else {
                entries[id]?.idleGeneration = nil
            }
        }
    }

    enum Event { case idleClosed, headerTimeout, bodyTimeout }

    func count(_ event: Event) {
        locked {
            switch event {
            case .idleClosed: counters.idleClosed += 1
            case .headerTimeout: counters.headerTimeouts += 1
            case .bodyTimeout: counters.bodyTimeouts += 1
            }
        }
    }

    // MARK: Idle queue (called with the lock held)

    private func markIdle(_ id: ObjectIdentifier) {
        generation &+= 1
        entries[id]?.idleGeneration = generation
        idleQueue.append((id, generation))
        // Every request adds an item; drop the stale ones now and then.
        let live = idleQueue.count - idleHead
        if live > 2 * entries.count + 1024 {
            idleQueue = idleQueue[idleHead...].filter { entries[$0.id]?.idleGeneration == $0.generation }
            idleHead = 0
        }
    }

    private func popOldestIdle() -> (any Channel)? {
        while idleHead < idleQueue.count {
            let (id, generation) = idleQueue[idleHead]
            idleHead += 1
            if let entry = entries[id], entry.idleGeneration == generation {
                // It stays counted as open until its channel has closed.
                entries[id]?.idleGeneration = nil
                compactIfNeeded()
                return entry.channel
            }
        }
        compactIfNeeded()
        return nil
    }

    private func compactIfNeeded() {
        if idleHead > 1024 && idleHead * 2 > idleQueue.count {
            idleQueue.removeFirst(idleHead)
            idleHead = 0
        }
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// The time limits of one connection, as NIO amounts.
struct ConnectionTimeouts: Sendable {
    var header: TimeAmount
    var body: TimeAmount
    var idle: TimeAmount

    init(_ limits: ServerLimits) {
        header = TimeAmount(limits.headerTimeout)
        body = TimeAmount(limits.requestBodyTimeout)
        idle = TimeAmount(limits.idleTimeout)
    }
}

/// The first handler of every connection (it sees the raw bytes): registers the connection with
/// the `ConnectionRegistry` (and refuses it when that says so), and enforces the time limits.
///
/// Phases: *idle* (nothing received since the last response: closed after `idle`), *head*
/// (bytes of a request head arrived: the head must be complete within `header`, else `408` and
/// close), *body* (head received: the body must be complete within `body`, else close),
/// *processing* (request received, response not yet sent: no limit here; the inference queue and
/// the memory budget bound that work).
final class ConnectionGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Phase { case idle, head, body, processing, closing }

    private let registry: ConnectionRegistry
    private let timeouts: ConnectionTimeouts
    private let logger: Logger
    private var phase = Phase.idle
    private var requestsInFlight = 0
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private var registered = false
    private var activated = false

    init(registry: ConnectionRegistry, timeouts: ConnectionTimeouts, logger: Logger) {
        self.registry = registry
        self.timeouts = timeouts
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { activate(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        unregister()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        phase = .closing
        unregister()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .closing:
            return  // refused or timed out: the rest is discarded
        case .idle:
            phase = .head
            schedule(timeouts.header)
        case .head, .body, .processing:
            break
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if phase == .closing, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Events from `RequestPhaseHandler`

    func requestHeadReceived() {
        guard phase != .closing else { return }
        requestsInFlight += 1
        phase = .body
        registry.setIdle(self, false)
        schedule(timeouts.body)
    }

    func requestEndReceived() {
        guard phase != .closing else { return }
        if requestsInFlight > 0 {
            phase = .processing
            cancelTimer()
        } else {
            enterIdle()  // the response was sent before the body had arrived
        }
    }

    func responseEndSent() {
        guard phase != .closing else { return }
        requestsInFlight = max(requestsInFlight - 1, 0)
        if requestsInFlight == 0 && phase == .processing {
            enterIdle()
        }
    }

    // MARK: Internals

    private func activate(_ context: ChannelHandlerContext) {
        guard !activated else { return }
        activated = true
        switch registry.open(self, channel: context.channel) {
        case .accepted:
            registered = true
            enterIdle()
        case .acceptedEvicting(let victim):
            registered = true
            victim.close(promise: nil)
            enterIdle()
        case .refused:
            logger.debug("connection refused: \(registry.maxConnections) connections are open, all with a request in progress")
            respondAndClose(
                context, status: "503 Service Unavailable", retryAfter: 1,
                message: "the server has \(registry.maxConnections) open connections, all with a request in progress; try again shortly")
        }
    }

    private func enterIdle() {
        phase = .idle
        registry.setIdle(self, true)
        schedule(timeouts.idle)
    }

    private func unregister() {
        if registered {
            registered = false
            registry.closed(self)
        }
    }

    private func schedule(_ delay: TimeAmount) {
        cancelTimer()
        guard let context else { return }
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: delay) { [weak self] in
            self?.timerFired()
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func timerFired() {
        timer = nil
        guard let context else { return }
        switch phase {
        case .idle:
            registry.count(.idleClosed)
            phase = .closing
            context.close(promise: nil)
        case .head:
            registry.count(.headerTimeout)
            logger.debug("request head not complete within \(timeouts.header); closing")
            respondAndClose(context, status: "408 Request Timeout", retryAfter: nil,
                            message: "the request head (request line and headers) did not arrive in time")
        case .body:
            // The request is with its route, which may be answering: close without a response.
            registry.count(.bodyTimeout)
            logger.debug("request body not complete within \(timeouts.body); closing")
            phase = .closing
            context.close(promise: nil)
        case .processing:
            break
        case .closing:
            context.close(promise: nil)
        }
    }

    /// Writes a complete JSON error response (bypassing the HTTP encoder: no response is in
    /// progress on this connection), half-closes, and closes fully once the client has closed or
    /// after two seconds. Input is discarded meanwhile, so that no request is served.
    private func respondAndClose(_ context: ChannelHandlerContext, status: String, retryAfter: Int?, message: String) {
        phase = .closing
        registry.setIdle(self, false)
        let body = (try? APIError.encoder.encode(APIError.ErrorBody(error: message))) ?? Data("{}".utf8)
        var head = "HTTP/1.1 \(status)\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n"
        if let retryAfter { head += "Retry-After: \(retryAfter)\r\n" }
        head += "Connection: close\r\nContent-Length: \(body.count)\r\n\r\n"
        var buffer = context.channel.allocator.buffer(capacity: head.utf8.count + body.count)
        buffer.writeString(head)
        buffer.writeBytes(body)
        let channel = context.channel
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
        cancelTimer()
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .seconds(2)) {
            channel.close(promise: nil)
        }
    }
}

/// Sits after the HTTP decoder: tells the connection's `ConnectionGuardHandler` when a request
/// head and end arrive and when a response has been sent.
final class RequestPhaseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var connectionGuard: ConnectionGuardHandler?

    func handlerAdded(context: ChannelHandlerContext) {
        connectionGuard = try? context.pipeline.syncOperations.handler(type: ConnectionGuardHandler.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connectionGuard = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connectionGuard?.requestHeadReceived()
        case .end: connectionGuard?.requestEndReceived()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            connectionGuard?.responseEndSent()
        }
        context.write(data, promise: promise)
    }
}

/// Hummingbird's HTTP/1.1 child channel with a `ConnectionGuardHandler` in front of it and a
/// `RequestPhaseHandler` behind the decoder.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let registry: ConnectionRegistry
    let timeouts: ConnectionTimeouts

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        registry.tuneListener(channel.parent)
        do {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuardHandler(registry: registry, timeouts: timeouts, logger: logger), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }

    /// The server builder for `Application`.
    static func builder(registry: ConnectionRegistry, limits: ServerLimits) -> HTTPServerBuilder {
        let timeouts = ConnectionTimeouts(limits)
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(additionalChannelHandlers: [RequestPhaseHandler()], idleTimeout: nil)),
                registry: registry,
                timeouts: timeouts)
        }
    }
}

import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FindColorServer

/// A colorizer stand-in whose calls block until `release()`: lets the tests fill the queue.
final class BlockingEngine: ColorizationEngine, @unchecked Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var _started = 0

    var started: Int {
        lock.lock()
        defer { lock.unlock() }
        return _started
    }

    func release(_ count: Int = 1) {
        for _ in 0..<count { gate.signal() }
    }

    private func block() {
        lock.lock()
        _started += 1
        lock.unlock()
        gate.wait()
    }

    func colorizeFull(_ image: PlanarImage, _ request: ColorizeRequest) throws -> PlanarImage {
        block()
        let gray = image.channels == 1 ? image : image.channel(0)
        return PlanarImage(stacking: [gray, gray, gray])
    }

    func colorizePreview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage {
        try colorizeFull(image, request)
    }

    func suggestColors(_ image: PlanarImage, x: Int, y: Int, hints: [Hint], topK: Int) throws -> [SuggestedColor] {
        block()
        return [SuggestedColor(a: 0, b: 0, probability: 1, hex: "#808080")]
    }
}

/// Waits (polling) until `condition` holds, up to `seconds`.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { throw CancellationError() }
        try await Task.sleep(nanoseconds: 5_000_000)
    }
}

extension ServerTests {
    /// The bounded inference queue: one job at a time, a few waiting, then 503 with Retry-After.
    @Suite struct QueueTests {
        @Test func runsOneJobAtATimeAndRefusesWhenFull() async throws {
            let queue = InferenceQueue(maxWaiting: 1)
            let gate = DispatchSemaphore(value: 0)
            let concurrent = ConcurrencyProbe()

            let first = Task {
                try await queue.run { () -> Int in
                    concurrent.enter()
                    defer { concurrent.leave() }
                    gate.wait()
                    return 1
                }
            }
            try await waitUntil { queue.status.running == 1 }
            let second = Task {
                try await queue.run { () -> Int in
                    concurrent.enter()
                    defer { concurrent.leave() }
                    return 2
                }
            }
            try await waitUntil { queue.status.waiting == 1 }
            #expect(queue.depth == 2)

            // Full: the third is refused at once.
            await #expect(throws: InferenceQueue.Busy.self) {
                try await queue.run { 3 }
            }
            do {
                _ = try await queue.run { 3 }
                Issue.record("a job was accepted by a full queue")
            } catch let busy as InferenceQueue.Busy {
                #expect(busy.pending == 2)
                #expect(busy.retryAfterSeconds >= 1)
                #expect(busy.description.contains("busy"))
            }

            gate.signal()
            #expect(try await first.value == 1)
            #expect(try await second.value == 2)
            #expect(concurrent.maximum == 1)
            let status = queue.status
            #expect(status.running == 0 && status.waiting == 0)
            #expect(status.completed == 2)
            #expect(status.rejected == 2)
            #expect(status.averageMilliseconds != nil)
        }

        @Test func jobErrorsReachTheCaller() async throws {
            struct Boom: Error {}
            let queue = InferenceQueue(maxWaiting: 0)
            await #expect(throws: Boom.self) {
                try await queue.run { () -> Int in throw Boom() }
            }
            #expect(queue.depth == 0)
            #expect(try await queue.run { 5 } == 5)
        }

        /// `findcolor serve` loads its model with `prepare` so that loading and every render run on
        /// one thread (one thread team of the compute library): every job runs on the worker's own
        /// thread, the same one each time, not on the caller's; `prepare` is not counted as a request.
        @Test func everyJobRunsOnTheWorkersOneThread() async throws {
            let queue = InferenceQueue(maxWaiting: 4)
            let caller = pthread_self()
            var threads: [pthread_t] = [try await queue.prepare { pthread_self() }]
            #expect(queue.status.completed == 0)
            for _ in 0..<4 {
                threads.append(try await queue.run { pthread_self() })
            }
            #expect(threads.allSatisfy { pthread_equal($0, threads[0]) != 0 })
            #expect(pthread_equal(threads[0], caller) == 0)
            #expect(try await queue.run { Thread.current.name } == "findcolor-infer")
        }

        @Test func fullQueueAnswers503WithRetryAfter() async throws {
            let engine = BlockingEngine()
            let queue = InferenceQueue(maxWaiting: 0)
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory(), engine: engine, queue: queue)
            let (body, headers) = Fixtures.multipart([.file("image", try Fixtures.grayPNG(width: 16, height: 16))])
            try await app.test(.router) { client in
                let first = Task {
                    try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                        response.status
                    }
                }
                try await waitUntil { engine.started == 1 }

                try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                    #expect(response.isJSON)
                    #expect(response.errorMessage?.contains("busy") == true)
                }
                try await client.execute(uri: "/health", method: .get) { response in
                    let queueJSON = response.json["queue"] as? [String: Any]
                    #expect(queueJSON?["running"] as? Int == 1)
                    #expect(queueJSON?["rejected"] as? Int == 1)
                }

                engine.release()
                #expect(try await first.value == .ok)

                // Free again.
                let again = Task {
                    try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                        response.status
                    }
                }
                try await waitUntil { engine.started == 2 }
                engine.release()
                #expect(try await again.value == .ok)
            }
        }
    }
}

/// Records how many jobs ran at the same time.
final class ConcurrencyProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private var _maximum = 0

    var maximum: Int {
        lock.lock()
        defer { lock.unlock() }
        return _maximum
    }

    func enter() {
        lock.lock()
        current += 1
        _maximum = max(_maximum, current)
        lock.unlock()
    }

    func leave() {
        lock.lock()
        current -= 1
        lock.unlock()
    }
}

/// A stand-in colorizer that paints every photo one constant colour and names its "model".
struct TaggedEngine: ColorizationEngine {
    let tag: String
    let rgb: (Float, Float, Float)

    func colorizeFull(_ image: PlanarImage, _ request: ColorizeRequest) throws -> PlanarImage {
        let planes = [rgb.0, rgb.1, rgb.2].map { PlanarImage(width: image.width, height: image.height, channels: 1, repeating: $0) }
        return PlanarImage(stacking: planes)
    }

    func colorizePreview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage {
        try colorizeFull(image, request)
    }

    func suggestColors(_ image: PlanarImage, x: Int, y: Int, hints: [Hint], topK: Int) throws -> [SuggestedColor] {
        [SuggestedColor(a: 0, b: 0, probability: 1, hex: "#808080")]
    }

    func modelIdentity() -> String { tag }
}

extension ServerTests {
    @Suite struct RenderCacheAndModel {
        /// Renders are cached per project state and per model: a server started with another model
        /// on the same data directory computes the result again instead of serving the old one.
        @Test func anotherModelDoesNotReuseCachedRenders() async throws {
            let data = try Fixtures.temporaryDirectory()
            let red = try Fixtures.app(dataDirectory: data, engine: TaggedEngine(tag: "model-a", rgb: (0.8, 0.1, 0.1)))
            let base = try await red.test(.router) { client in
                let api = ProjectClient(client: client)
                let project = try await api.create(try Fixtures.grayPNG())
                let base = "/api/projects/\(try #require(project["id"] as? String))"
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.headers[Responses.cacheHeader] == "miss")
                }
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.headers[Responses.cacheHeader] == "hit")
                }
                return base
            }
            let blue = try Fixtures.app(dataDirectory: data, engine: TaggedEngine(tag: "model-b", rgb: (0.1, 0.1, 0.8)))
            try await blue.test(.router) { client in
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.headers[Responses.cacheHeader] == "miss")
                    let image = try response.decodedImage()
                    #expect(image[0, 0, 2] > 0.7 && image[0, 0, 0] < 0.2)
                }
            }
        }
    }
}

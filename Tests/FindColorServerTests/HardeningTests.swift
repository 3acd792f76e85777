import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FindColorServer

/// Issue 11, items 6, 7 and 10 and the server's memory budget: hostile clients made by the tests.
extension ServerTests {
    /// Host allow-list, Origin and Sec-Fetch-Site checks, JSON content type (item 7).
    @Suite struct AccessTests {
        static let origin = HTTPField.Name("Origin")!
        static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

        func projectCount(_ client: some TestClientProtocol) async throws -> Int {
            try await client.execute(uri: "/api/projects", method: .get) { response in
                (response.json["projects"] as? [Any])?.count ?? -1
            }
        }

        @Test func foreignHostIsRefusedLoopbackNamesAreServed() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, engine: BlockingEngine(),
                                       access: AccessPolicy(allowedHosts: ["photos.example"]))
            try await app.test(.live) { client in
                let port = client.port!
                let results = try await onThread { () -> [String: RawResponse?] in
                    var results: [String: RawResponse?] = [:]
                    for host in ["evil.example:\(port)", "evil.example", "127.0.0.1.evil.example", "localhost:\(port)",
                                 "127.0.0.1:\(port)", "[::1]:\(port)", "LOCALHOST.", "photos.example:\(port)"] {
                        let connection = try RawConnection(port: port)
                        try connection.send(rawGET("/api/projects", host: host))
                        results[host] = connection.readResponse(timeout: 10)
                    }
                    return results
                }
                for host in ["evil.example:\(port)", "evil.example", "127.0.0.1.evil.example"] {
                    let response = try #require(results[host] ?? nil, "no response for Host \(host)")
                    #expect(response.status == 403, "Host \(host)")
                    #expect((response.json["error"] as? String)?.contains("--allow-host") == true)
                    #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
                }
                for host in ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)", "LOCALHOST.", "photos.example:\(port)"] {
                    let response = try #require(results[host] ?? nil, "no response for Host \(host)")
                    #expect(response.status == 200, "Host \(host)")
                }
            }
        }

        @Test func wildcardBindAcceptsAddressesButNotNames() {
            let middleware = AccessMiddleware<AppContext>(policy: .default, boundHost: "0.0.0.0")
            #expect(middleware.acceptAnyIPLiteral)
            #expect(!middleware.allowedHosts.contains("0.0.0.0"))
            #expect(AccessPolicy.isIPLiteral("192.168.1.20"))
            #expect(AccessPolicy.isIPLiteral("fe80::1"))
            #expect(!AccessPolicy.isIPLiteral("evil.example"))
            let bound = AccessMiddleware<AppContext>(policy: .default, boundHost: "192.168.1.20")
            #expect(!bound.acceptAnyIPLiteral)
            #expect(bound.allowedHosts.contains("192.168.1.20"))
            #expect(AccessPolicy.normalizedHost("[::1]:8080") == "::1")
            #expect(AccessPolicy.normalizedHost("Example.COM.:80") == "example.com")
            #expect(AccessPolicy.normalizedHost("a b") == nil)
            #expect(AccessPolicy.normalizedOrigin("HTTP://LocalHost:80/") == "http://localhost")
            #expect(AccessPolicy.normalizedOrigin("null") == nil)
            #expect(throws: (any Error).self) { try AccessPolicy(allowedOrigins: ["localhost:3000"]).validate() }
            #expect(throws: (any Error).self) { try AccessPolicy(allowedHosts: ["http://x/"]).validate() }
        }

        @Test func crossOriginWritesAreRefused() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, engine: BlockingEngine())
            let png = try Fixtures.grayPNG()
            try await app.test(.router) { client in
                // A multipart form from another site (a "simple" request: no preflight).
                var (body, headers) = Fixtures.multipart([.file("image", png)])
                headers[Self.origin] = "http://evil.example"
                try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .forbidden)
                    #expect(response.isJSON)
                    #expect(response.errorMessage?.contains("cross-origin") == true)
                }
                // Origin: null (sandboxed frames, file: pages).
                headers[Self.origin] = "null"
                try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .forbidden)
                }
                // A page of the same site on another port is another origin.
                headers[Self.origin] = "http://localhost:3000"
                try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .forbidden)
                }
                // No Origin but Sec-Fetch-Site: cross-site.
                headers[Self.origin] = nil
                headers[Self.secFetchSite] = "cross-site"
                try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .forbidden)
                }
                #expect(try await projectCount(client) == 0)

                // The web UI's own requests (same origin) and clients without Origin are served.
                headers[Self.secFetchSite] = "same-origin"
                headers[Self.origin] = "http://localhost"
                (body, _) = Fixtures.multipart([.file("image", png)])
                let id = try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .created, "\(response.errorMessage ?? "")")
                    return response.json["id"] as? String ?? ""
                }
                let project = ProjectClient(client: client)
                _ = try await project.create(png)
                #expect(try await projectCount(client) == 2)

                // A text/plain "JSON" hint from another site: refused for its origin, and for its type.
                var plain = HTTPFields()
                plain[.contentType] = "text/plain"
                plain[Self.origin] = "http://evil.example"
                let hint = ##"{"x": 10, "y": 10, "color": "#a03020"}"##
                try await client.execute(uri: "/api/projects/\(id)/hints", method: .post, headers: plain,
                                         body: ByteBuffer(string: hint)) { response in
                    #expect(response.status == .forbidden)
                }
                // Deleting from another site.
                try await client.execute(uri: "/api/projects/\(id)", method: .delete, headers: [Self.origin: "https://evil.example"]) { response in
                    #expect(response.status == .forbidden)
                }
                #expect(try await projectCount(client) == 2)
                // Reading is not a change: a GET with a foreign Origin is answered, without CORS headers.
                try await client.execute(uri: "/api/projects/\(id)", method: .get, headers: [Self.origin: "http://evil.example"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.accessControlAllowOrigin] == nil)
                }
            }
        }

        @Test func jsonBodiesNeedApplicationJSON() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, engine: BlockingEngine())
            let png = try Fixtures.grayPNG()
            try await app.test(.router) { client in
                let project = try await ProjectClient(client: client).create(png)
                let id = try #require(project["id"] as? String)
                let hint = ##"{"x": 10, "y": 10, "color": "#a03020"}"##
                for contentType in ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "application/problem+json", nil] {
                    var headers = HTTPFields()
                    if let contentType { headers[.contentType] = contentType }
                    for (method, uri) in [(HTTPRequest.Method.post, "/api/projects/\(id)/hints"),
                                          (.patch, "/api/projects/\(id)/settings")] {
                        let body = method == .post ? hint : #"{"name": "renamed"}"#
                        try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body)) { response in
                            #expect(response.status == .unsupportedMediaType, "\(method) \(uri) as \(contentType ?? "no type")")
                            #expect(response.errorMessage?.contains("application/json") == true)
                        }
                    }
                }
                try await client.execute(uri: "/api/projects/\(id)/hints", method: .get) { response in
                    #expect((response.json["hints"] as? [Any])?.count == 0)
                }
                var json = HTTPFields()
                json[.contentType] = "application/json; charset=utf-8"
                try await client.execute(uri: "/api/projects/\(id)/hints", method: .post, headers: json, body: ByteBuffer(string: hint)) { response in
                    #expect(response.status == .created, "\(response.errorMessage ?? "")")
                }
            }
        }

        @Test func allowedOriginGetsCORS() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, engine: BlockingEngine(),
                                       access: AccessPolicy(allowedOrigins: ["http://localhost:3000/"]))
            let png = try Fixtures.grayPNG()
            try await app.test(.router) { client in
                var headers: HTTPFields = [Self.origin: "http://localhost:3000"]
                headers[.accessControlRequestMethod] = "POST"
                headers[.accessControlRequestHeaders] = "content-type"
                try await client.execute(uri: "/api/projects", method: .options, headers: headers) { response in
                    #expect(response.status == .noContent)
                    #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:3000")
                    #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
                }
                var (body, upload) = Fixtures.multipart([.file("image", png)])
                upload[Self.origin] = "http://localhost:3000"
                try await client.execute(uri: "/api/projects", method: .post, headers: upload, body: body) { response in
                    #expect(response.status == .created)
                    #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:3000")
                }
                (body, upload) = Fixtures.multipart([.file("image", png)])
                upload[Self.origin] = "http://localhost:3001"
                try await client.execute(uri: "/api/projects", method: .post, headers: upload, body: body) { response in
                    #expect(response.status == .forbidden)
                }
            }
        }
    }

    /// Project names with control characters (item 10): refused with a clear 400, never cut.
    @Suite struct ProjectNameTests {
        @Test func controlCharactersInNamesAreRefused() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, engine: BlockingEngine())
            let png = try Fixtures.grayPNG()
            try await app.test(.router) { client in
                for name in ["before\u{0}after", "bell\u{7}", "line\nbreak", "esc\u{1B}[31m", "c1\u{85}control", "del\u{7F}"] {
                    let (body, headers) = Fixtures.multipart([.file("image", png), .text("name", name)])
                    try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                        #expect(response.status == .badRequest, "\(name.debugDescription)")
                        #expect(response.errorMessage?.contains("control characters") == true)
                    }
                }
                try await client.execute(uri: "/api/projects", method: .get) { response in
                    #expect((response.json["projects"] as? [Any])?.count == 0)
                }
                let projects = ProjectClient(client: client)
                let project = try await projects.create(png, name: "Grand-père à Lyon, 1944 ✓")
                #expect(project["name"] as? String == "Grand-père à Lyon, 1944 ✓")
                let id = try #require(project["id"] as? String)
                let renamed = try await projects.json(.patch, "/api/projects/\(id)/settings", #"{"name": "kept\u0000cut"}"#)
                #expect(renamed.status == .badRequest)
                #expect(renamed.errorMessage?.contains("U+0000") == true)
                let fetched = try await projects.json(.get, "/api/projects/\(id)")
                #expect(fetched.json["name"] as? String == "Grand-père à Lyon, 1944 ✓")

                // A file name with control characters gives a cleaned name, not an error.
                let (body, headers) = Fixtures.multipart([.file("image", png, filename: "scan\u{1}\u{7F}01.png")])
                try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .created)
                    let name = response.json["name"] as? String ?? ""
                    #expect(name.hasPrefix("scan") && name.hasSuffix("01"))
                    #expect(!name.unicodeScalars.contains { $0.properties.generalCategory == .control })
                }
            }
        }
    }

    /// The memory budget: work is admitted by its estimated memory, from the image headers.
    @Suite struct MemoryAdmissionTests {
        /// A PNG that declares `width × height` but holds no pixels (the hostile upload of issue 11:
        /// a few bytes that would need gigabytes).
        static func declaredPNG(width: Int, height: Int) -> Data {
            var data = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
            for value in [width, height] {
                data.append(contentsOf: [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
            }
            data.append(contentsOf: [8, 0, 0, 0, 0, 0, 0, 0, 0])
            return data
        }

        @Test func headerSizesAreReadWithoutDecoding() throws {
            let png = try Fixtures.grayPNG(width: 70, height: 30)
            #expect(ImageHeader.size(of: png)! == (70, 30))
            let jpeg = try ImageCodec.encode(Fixtures.grayImage(width: 33, height: 17), as: .jpeg(quality: 80))
            #expect(ImageHeader.size(of: jpeg)! == (33, 17))
            let tiff = try ImageCodec.encode(Fixtures.grayImage(width: 21, height: 40), as: .tiff(bitDepth: 8))
            #expect(ImageHeader.size(of: tiff)! == (21, 40))
            #expect(ImageHeader.size(of: Self.declaredPNG(width: 65535, height: 256))! == (65535, 256))
            #expect(ImageHeader.size(of: Data("not an image".utf8)) == nil)
            #expect(ImageHeader.size(of: Data([0xFF, 0xD8, 0xFF])) == nil)
            // Unreadable headers count as the largest image allowed.
            #expect(MemoryCost.uploadSize(Data("junk".utf8), maxPixels: 10_000) == (100, 100))
            #expect(MemoryCost.uploadSize(Self.declaredPNG(width: 1 << 30, height: 1 << 30), maxPixels: 10_000) == (100, 100))
        }

        @Test func costGrowsWithPixelsAndNetworkSize() {
            let small = MemoryCost.colorize(width: 640, height: 480, ensemble: EnsemblePreset.balanced.spec, reference: nil, region: false)
            let large = MemoryCost.colorize(width: 6400, height: 4800, ensemble: EnsemblePreset.balanced.spec, reference: nil, region: false)
            #expect(large > small)
            // A 65535×256 strip: its full-resolution planes, and the network at the colorizer's
            // working size (`Colorizer.fit`, padded to multiples of 32).
            let network = MemoryCost.networkPixels(width: 65535, height: 256)
            let (w, h) = Colorizer.fit(width: 65535, height: 256, shortSide: MemoryCost.workingShortSide)
            #expect(network >= w * h && network < (w + 32) * (h + 32))
            let strip = MemoryCost.colorize(width: 65535, height: 256, ensemble: EnsemblePreset.fast.spec, reference: nil, region: false)
            #expect(strip >= 65535 * 256 * MemoryCost.fullResolutionBytesPerPixel + network * MemoryCost.networkBytesPerPixel)
            // Detail passes (photos with a short side ≥ 1024) cost more than the image-wise pass alone;
            // small photos get none, so their cost does not depend on the preset.
            #expect(MemoryCost.colorize(width: 640, height: 480, ensemble: EnsemblePreset.best.spec, reference: nil, region: false) == small)
            let fast12 = MemoryCost.colorize(width: 4000, height: 3000, ensemble: EnsemblePreset.fast.spec, reference: nil, region: false)
            let balanced12 = MemoryCost.colorize(width: 4000, height: 3000, ensemble: EnsemblePreset.balanced.spec, reference: nil, region: false)
            #expect(balanced12 > fast12)
            // Above what was measured (docs/reliability.md: 12 MP balanced peaks at 0.51 GB in all,
            // of which ~0.1 GB is the binary and the model, counted once as serverBaseBytes).
            #expect(balanced12 > 410_000_000)
            #expect(MemoryCost.colorize(width: 640, height: 480, ensemble: EnsemblePreset.balanced.spec, reference: (800, 600), region: true) > small)
        }

        @Test func budgetReservesAndReleases() throws {
            let budget = MemoryBudget(budget: 1000, fixed: 200)
            #expect(budget.capacity == 800)
            let a = try budget.reserve(500, for: "a", retryAfterSeconds: 3)
            #expect(budget.inUse == 500)
            #expect(throws: MemoryBudget.Exhausted.self) { try budget.reserve(400, for: "b", retryAfterSeconds: 3) }
            #expect(throws: MemoryBudget.TooLarge.self) { try budget.reserve(801, for: "c", retryAfterSeconds: 3) }
            do {
                let b = try budget.reserve(300, for: "b", retryAfterSeconds: 3)
                #expect(budget.inUse == 800)
                _ = b
            }
            // Dropped without release(): given back when deallocated.
            #expect(budget.inUse == 500)
            a.release()
            a.release()
            #expect(budget.inUse == 0)
            #expect(budget.status.peakReservedBytes == 800)
            #expect(budget.status.refused == 2)
        }

        @Test func hugeDeclaredImageIsRefusedBeforeDecoding() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let engine = BlockingEngine()
            var limits = ServerLimits()
            limits.memoryBudgetBytes = 1 << 30
            let app = try Fixtures.app(dataDirectory: dir, limits: limits, engine: engine)
            try await app.test(.router) { client in
                // 65535 × 256 (16.8 MP, under the 100 MP limit): the network would run at full size.
                let bomb = Self.declaredPNG(width: 65535, height: 256)
                let (body, headers) = Fixtures.multipart([.file("image", bomb)])
                try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.errorMessage?.contains("memory") == true)
                    #expect(response.errorMessage?.contains("--memory-budget") == true)
                }
                #expect(engine.started == 0)
                try await client.execute(uri: "/health", method: .get) { response in
                    let memory = response.json["memory"] as? [String: Any]
                    #expect(memory?["budgetBytes"] as? Int == 1 << 30)
                    #expect(memory?["reservedBytes"] as? Int == 0)
                    #expect((memory?["refused"] as? Int ?? 0) >= 1)
                }
            }
        }

        /// The pass cache's encodings are part of the fixed memory only for a model that keeps them
        /// (its encoder does not see the hints: the committed milestone v3u at step 9,000); v2 keeps none.
        @Test func encodingsCountOnlyForModelsThatKeepThem() async throws {
            let repository = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let decoderOnly = repository.appendingPathComponent("training/milestones/findcolor-v3u-step9000.safetensors")
            for (colorizer, keeps) in [(try Fixtures.model(), false), (try Colorizer(modelURL: decoderOnly), true)] {
                let dir = try Fixtures.temporaryDirectory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let limits = ServerLimits(imageCacheSamples: 0)
                let app = try buildApplication(host: "127.0.0.1", port: 0, dataDirectory: dir, colorizer: colorizer,
                                               limits: limits, access: .default, logger: nil, store: nil)
                #expect(colorizer.keepsEncodings == keeps)
                if keeps { #expect(colorizer.passCache?.encodingBytes == MemoryCost.encodingCacheBytes) }
                try await app.test(.router) { client in
                    try await client.execute(uri: "/health", method: .get) { response in
                        let memory = response.json["memory"] as? [String: Any]
                        #expect(memory?["fixedBytes"] as? Int == MemoryCost.serverBaseBytes + MemoryCost.passCacheBytes
                                + (keeps ? MemoryCost.encodingCacheBytes : 0))
                    }
                }
            }
        }

        @Test func concurrentWorkBeyondTheBudgetGets503() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let engine = BlockingEngine()
            let png = try Fixtures.grayPNG(width: 640, height: 480)
            let cost = MemoryCost.colorize(width: 640, height: 480, ensemble: EnsemblePreset.balanced.spec, reference: nil, region: false)
            // A budget that holds one such job (its request body included), not two.
            var limits = ServerLimits(maxWaitingJobs: 8, imageCacheSamples: 0)
            limits.memoryBudgetBytes = MemoryCost.serverBaseBytes + MemoryCost.passCacheBytes + cost * 3 / 2
            let queue = InferenceQueue(maxWaiting: 8)
            let app = try Fixtures.app(dataDirectory: dir, limits: limits, engine: engine, queue: queue)
            try await app.test(.router) { client in
                let first = Task {
                    let (body, headers) = Fixtures.multipart([.file("image", png)])
                    return try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { $0.status }
                }
                try await waitUntil { engine.started == 1 }
                let (body, headers) = Fixtures.multipart([.file("image", png)])
                try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter].flatMap { Int($0) } != nil)
                    #expect(response.errorMessage?.contains("memory budget") == true)
                }
                #expect(queue.status.waiting == 0)
                engine.release()
                #expect(try await first.value == .ok)
                // Once the first job is done its memory is free again.
                engine.release()
                let (body2, headers2) = Fixtures.multipart([.file("image", png)])
                try await client.execute(uri: "/api/colorize", method: .post, headers: headers2, body: body2) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/health", method: .get) { response in
                    let memory = response.json["memory"] as? [String: Any]
                    #expect(memory?["reservedBytes"] as? Int == 0)
                    #expect((memory?["peakReservedBytes"] as? Int ?? 0) >= cost)
                }
            }
        }

        @Test func requestBodyLargerThanTheBudgetIsRefusedUnread() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var limits = ServerLimits()
            limits.memoryBudgetBytes = ServerLimits.minimumMemoryBudget
            let app = try Fixtures.app(dataDirectory: dir, limits: limits, engine: BlockingEngine())
            try await app.test(.router) { client in
                // 48 MB: under the 64 MB upload limit, but three copies do not fit a 256 MB budget.
                let payload = Data(count: 48 << 20)
                let (body, headers) = Fixtures.multipart([.file("image", payload)])
                try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.errorMessage?.contains("request body") == true)
                }
            }
        }
    }

    /// Connection limits (item 6): idle, header and body timeouts, the connection cap.
    @Suite struct ConnectionLimitTests {
        static func limits(maxConnections: Int = 64, header: Double = 5, body: Double = 5, idle: Double = 5) -> ServerLimits {
            var limits = ServerLimits()
            limits.maxConnections = maxConnections
            limits.headerTimeout = .milliseconds(Int64(header * 1000))
            limits.requestBodyTimeout = .milliseconds(Int64(body * 1000))
            limits.idleTimeout = .milliseconds(Int64(idle * 1000))
            return limits
        }

        @Test func silentAndKeptAliveConnectionsAreClosedWhenIdle() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, limits: Self.limits(idle: 0.5), engine: BlockingEngine())
            try await app.test(.live) { client in
                let port = client.port!
                let (silent, afterRequest) = try await onThread { () -> (Double, (Int?, Double)) in
                    let start = Date()
                    let silent = try RawConnection(port: port)
                    let closed = silent.readUntilClosed(timeout: 10)
                    #expect(closed.closed && closed.data.isEmpty)
                    let silentSeconds = Date().timeIntervalSince(start)

                    let kept = try RawConnection(port: port)
                    try kept.send(rawGET("/health"))
                    let response = kept.readResponse(timeout: 10)
                    let answered = Date()
                    let rest = kept.readUntilClosed(timeout: 10)
                    #expect(rest.closed)
                    return (silentSeconds, (response?.status, Date().timeIntervalSince(answered)))
                }
                #expect(silent >= 0.4 && silent < 5, "closed after \(silent) s")
                #expect(afterRequest.0 == 200)
                #expect(afterRequest.1 >= 0.3 && afterRequest.1 < 5, "closed after \(afterRequest.1) s")
                // (The test client's own kept-alive connection has been closed as idle too.)
                let health = try await onThread { () -> RawResponse? in
                    let connection = try RawConnection(port: port)
                    try connection.send(rawGET("/health"))
                    return connection.readResponse(timeout: 5)
                }
                let connections = health?.json["connections"] as? [String: Any]
                #expect((connections?["idleClosed"] as? Int ?? 0) >= 2)
            }
        }

        @Test func slowHeadersGet408AndSlowBodiesAreCut() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, limits: Self.limits(header: 0.5, body: 0.8, idle: 30), engine: BlockingEngine())
            try await app.test(.live) { client in
                let port = client.port!
                let (headerResult, bodyResult) = try await onThread { () -> ((RawResponse?, Double), (Bool, Double)) in
                    // Slowloris: half a head, then a byte now and then.
                    let start = Date()
                    let slow = try RawConnection(port: port)
                    try slow.send("GET /health HTTP/1.1\r\nHost: localhost\r\n")
                    var response: RawResponse?
                    for _ in 0..<20 {
                        try? slow.send("X")
                        if let r = slow.readResponse(timeout: 0.2) { response = r; break }
                    }
                    let headerSeconds = Date().timeIntervalSince(start)

                    // A body that trickles in, one byte every 0.2 s.
                    let bodyStart = Date()
                    let trickle = try RawConnection(port: port)
                    try trickle.send("POST /api/projects HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n")
                    var closed = false
                    for _ in 0..<50 {
                        try? trickle.send("x")
                        let read = trickle.readUntilClosed(timeout: 0.2)
                        if read.closed { closed = true; break }
                    }
                    return ((response, headerSeconds), (closed, Date().timeIntervalSince(bodyStart)))
                }
                let response = try #require(headerResult.0)
                #expect(response.status == 408)
                #expect(response.headers["connection"] == "close")
                #expect(response.json["error"] as? String != nil)
                #expect(headerResult.1 < 4, "408 after \(headerResult.1) s")
                #expect(bodyResult.0, "the trickling body was not cut")
                #expect(bodyResult.1 >= 0.6 && bodyResult.1 < 6, "cut after \(bodyResult.1) s")
                try await client.execute(uri: "/health", method: .get) { response in
                    let connections = response.json["connections"] as? [String: Any]
                    #expect(connections?["headerTimeouts"] as? Int == 1)
                    #expect(connections?["bodyTimeouts"] as? Int == 1)
                }
            }
        }

        @Test func idleConnectionsGiveWayAtTheCap() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let app = try Fixtures.app(dataDirectory: dir, limits: Self.limits(maxConnections: 8, idle: 60), engine: BlockingEngine())
            try await app.test(.live) { client in
                let port = client.port!
                try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
                let (status, closed) = try await onThread { () -> (Int?, [Bool]) in
                    // Twenty silent sockets against a cap of eight (opened a little apart, so that
                    // the server sees them in this order).
                    var idle: [RawConnection] = []
                    for _ in 0..<20 {
                        idle.append(try RawConnection(port: port))
                        Thread.sleep(forTimeInterval: 0.02)
                    }
                    Thread.sleep(forTimeInterval: 0.3)
                    let health = try RawConnection(port: port)
                    try health.send(rawGET("/health"))
                    let response = health.readResponse(timeout: 5)
                    let closed = idle.map { $0.readUntilClosed(timeout: 0.3).closed }
                    return (response?.status, closed)
                }
                #expect(status == 200)
                // 22 connections (the test client's, 20 silent ones, /health) for 8 places: the 14
                // longest idle were closed, the test client's and the 13 oldest silent ones.
                #expect(closed.filter { $0 }.count == 13, "\(closed)")
                #expect(closed.prefix(10).allSatisfy { $0 }, "the oldest idle connections were not closed: \(closed)")
                #expect(!closed.suffix(5).contains(true), "recent connections were closed: \(closed)")
                let health = try await onThread { () -> RawResponse? in
                    let connection = try RawConnection(port: port)
                    try connection.send(rawGET("/health"))
                    return connection.readResponse(timeout: 5)
                }
                let connections = health?.json["connections"] as? [String: Any]
                #expect((connections?["evicted"] as? Int ?? 0) >= 13)
                #expect((connections?["open"] as? Int ?? 99) <= 8)
                #expect(connections?["refused"] as? Int == 0)
            }
        }

        @Test func newConnectionIsRefusedWhenAllAreBusy() async throws {
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let engine = BlockingEngine()
            let queue = InferenceQueue(maxWaiting: 4)
            let app = try Fixtures.app(dataDirectory: dir, limits: Self.limits(maxConnections: 2, idle: 60), engine: engine, queue: queue)
            let png = try Fixtures.grayPNG()
            let (body, headers) = Fixtures.multipart([.file("image", png)])
            var upload = "POST /api/colorize HTTP/1.1\r\nHost: localhost\r\n"
            upload += "Content-Type: \(headers[.contentType]!)\r\nContent-Length: \(body.readableBytes)\r\n\r\n"
            let request = Data(upload.utf8) + Data(body.readableBytesView)
            try await app.test(.live) { client in
                let port = client.port!
                // The test client's own connection is open (and idle) before the others.
                try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
                let busy = try await onThread { () -> [RawConnection] in
                    let a = try RawConnection(port: port)
                    let b = try RawConnection(port: port)
                    try a.send(request)
                    try b.send(request)
                    return [a, b]
                }
                // Both requests are with the server: one colourizing, one waiting.
                try await waitUntil { engine.started == 1 && queue.status.waiting == 1 }
                let refused = try await onThread { () -> RawResponse? in
                    let c = try RawConnection(port: port)
                    try c.send(rawGET("/health"))
                    return c.readResponse(timeout: 5)
                }
                let response = try #require(refused)
                #expect(response.status == 503)
                #expect(response.headers["retry-after"] == "1")
                #expect((response.json["error"] as? String)?.contains("open connections") == true)
                engine.release(2)
                let statuses = try await onThread { busy.map { $0.readResponse(timeout: 10)?.status } }
                #expect(statuses == [200, 200])
                // With the requests done, a new connection is served again.
                let health = try await onThread { () -> RawResponse? in
                    let d = try RawConnection(port: port)
                    try d.send(rawGET("/health"))
                    return d.readResponse(timeout: 5)
                }
                #expect(health?.status == 200)
                #expect((health?.json["connections"] as? [String: Any])?["refused"] as? Int == 1)
            }
        }
    }
}

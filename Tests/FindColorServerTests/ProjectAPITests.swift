import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FindColorServer

/// Helpers to drive the projects API in tests.
struct ProjectClient {
    let client: any TestClientProtocol

    /// Uploads a photo; returns the project JSON.
    func create(_ png: Data, name: String? = nil) async throws -> [String: Any] {
        var fields: [Fixtures.Field] = [.file("image", png, filename: "family portrait.png")]
        if let name { fields.append(.text("name", name)) }
        let (body, headers) = Fixtures.multipart(fields)
        return try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: body) { response in
            #expect(response.status == .created, "\(response.errorMessage ?? "")")
            #expect(response.headers[.location]?.hasPrefix("/api/projects/") == true)
            return response.json
        }
    }

    func json(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil) async throws -> TestResponse {
        if let body {
            let (buffer, headers) = Fixtures.jsonBody(body)
            return try await client.execute(uri: uri, method: method, headers: headers, body: buffer)
        }
        return try await client.execute(uri: uri, method: method)
    }
}

extension ServerTests {
    /// The projects API: CRUD, hints, settings, reference/region, renders and suggestions.
    @Suite struct ProjectAPITests {
        @Test func createListGetAndDelete() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            let png = try Fixtures.grayPNG(width: 96, height: 64)
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let project = try await api.create(png)
                let id = try #require(project["id"] as? String)
                #expect(UUID(uuidString: id) != nil)
                #expect(project["name"] as? String == "family portrait")
                #expect(project["width"] as? Int == 96)
                #expect(project["height"] as? Int == 64)
                #expect(project["preset"] as? String == "balanced")
                #expect(project["hasReference"] as? Bool == false)
                #expect((project["hints"] as? [Any])?.isEmpty == true)
                #expect(project["created"] is String)

                let second = try await api.create(png, name: "Second one")
                #expect(second["name"] as? String == "Second one")

                let list = try await api.json(.get, "/api/projects")
                let projects = try #require(list.json["projects"] as? [[String: Any]])
                #expect(projects.count == 2)
                #expect(Set(projects.compactMap { $0["id"] as? String }).contains(id))

                let got = try await api.json(.get, "/api/projects/\(id)")
                #expect(got.status == .ok)
                #expect(got.json["id"] as? String == id)

                try await client.execute(uri: "/api/projects/\(id)/original", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "image/png")
                    #expect(response.data == png)
                }
                try await client.execute(uri: "/api/projects/\(id)/thumbnail", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "image/jpeg")
                    let checked = try response.decodedImage()
                    #expect(checked.width == 96)
                }

                let deleted = try await api.json(.delete, "/api/projects/\(id)")
                #expect(deleted.status == .noContent)
                let gone = try await api.json(.get, "/api/projects/\(id)")
                #expect(gone.status == .notFound)
                #expect(gone.errorMessage?.contains(id) == true)
                let notUUID = try await api.json(.get, "/api/projects/not-a-uuid")
                #expect(notUUID.status == .notFound)
                #expect(notUUID.isJSON)
                let again = try await api.json(.delete, "/api/projects/\(id)")
                #expect(again.status == .notFound)
            }
        }

        /// Every route of the project group (`/api/projects/{id}/…`) goes through `ProjectLoader`:
        /// an unknown project or an id that is not a UUID is a 404 naming it, before the handler
        /// reads any body (a malformed body to an unknown project is still a 404).
        @Test func everyProjectRouteLoadsTheProjectFirst() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let routes: [(HTTPRequest.Method, String)] = [
                    (.get, ""), (.delete, ""), (.patch, ""), (.patch, "/settings"), (.get, "/original"), (.get, "/thumbnail"),
                    (.get, "/hints"), (.post, "/hints"), (.put, "/hints"),
                    (.patch, "/hints/6f1c0c5e-1c2b-4c55-9a43-0d6c5f1a2b3c"), (.delete, "/hints/6f1c0c5e-1c2b-4c55-9a43-0d6c5f1a2b3c"),
                    (.put, "/reference"), (.get, "/reference"), (.delete, "/reference"),
                    (.put, "/region"), (.get, "/region"), (.delete, "/region"),
                    (.get, "/preview"), (.get, "/result"), (.get, "/suggest?x=1&y=1"),
                    (.get, "/repair/defects"), (.put, "/repair/mask"), (.get, "/repair/mask"), (.delete, "/repair/mask"),
                ]
                let unknown = "0e5b4b9a-3f57-4d0e-9a0c-5a7f3c2d1e00"
                for id in [unknown, "not-a-uuid"] {
                    for (method, path) in routes {
                        let body: String? = method == .get || method == .delete ? nil : "{not json"
                        let response = try await api.json(method, "/api/projects/\(id)\(path)", body)
                        #expect(response.status == .notFound, "\(method) \(path)")
                        #expect(response.errorMessage?.contains(id) == true, "\(method) \(path): \(response.errorMessage ?? "")")
                    }
                }
            }
        }

        @Test func uploadErrors() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            try await app.test(.router) { client in
                let (garbage, headers) = Fixtures.multipart([.file("image", Data("definitely not a photo".utf8))])
                try await client.execute(uri: "/api/projects", method: .post, headers: headers, body: garbage) { response in
                    #expect(response.status == .unsupportedMediaType)
                    #expect(response.isJSON)
                }
                let (noImage, headers2) = Fixtures.multipart([.text("name", "x")])
                try await client.execute(uri: "/api/projects", method: .post, headers: headers2, body: noImage) { response in
                    #expect(response.status == .badRequest)
                }
                let list = try await ProjectClient(client: client).json(.get, "/api/projects")
                #expect((list.json["projects"] as? [Any])?.isEmpty == true)
            }
        }

        @Test func hintsCanBeAddedMovedRecolouredDeletedAndReplaced() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let id = try #require(try await api.create(try Fixtures.grayPNG(width: 80, height: 60))["id"] as? String)
                let base = "/api/projects/\(id)"

                let added = try await api.json(.post, "\(base)/hints", #"{"x": 10, "y": 12, "size": 4, "ab": [30, 20]}"#)
                #expect(added.status == .created)
                #expect(added.headers[Responses.stateHashHeader]?.count == 32)
                let hintId = try #require(added.json["id"] as? String)
                #expect(added.json["x"] as? Int == 10)
                #expect(added.json["size"] as? Int == 4)

                let byColor = try await api.json(.post, "\(base)/hints", ##"{"x": 50, "y": 40, "color": "#2050c0"}"##)
                #expect(byColor.status == .created)
                let secondId = try #require(byColor.json["id"] as? String)
                let ab = try #require(byColor.json["ab"] as? [Double])
                #expect(ab[1] < -20, "blue has a negative b*")

                let moved = try await api.json(.patch, "\(base)/hints/\(hintId)", #"{"x": 20, "y": 22}"#)
                #expect(moved.status == .ok)
                #expect(moved.json["x"] as? Int == 20)
                #expect(moved.json["y"] as? Int == 22)
                #expect((moved.json["ab"] as? [Double])?.first == 30)

                let recoloured = try await api.json(.patch, "\(base)/hints/\(hintId)", ##"{"color": "#c03020", "size": 6}"##)
                #expect(recoloured.status == .ok)
                #expect(recoloured.json["size"] as? Int == 6)
                #expect(((recoloured.json["ab"] as? [Double])?.first ?? 0) > 30)

                // Errors: outside the photo, bad JSON, unknown fields, unknown hint.
                let outside = try await api.json(.patch, "\(base)/hints/\(hintId)", #"{"x": 79}"#)
                #expect(outside.status == .badRequest)
                #expect(outside.errorMessage?.contains("outside") == true)
                let badJSON = try await api.json(.post, "\(base)/hints", "{x: 1")
                #expect(badJSON.status == .badRequest)
                let unknown = try await api.json(.post, "\(base)/hints", #"{"x": 1, "y": 1, "ab": [0, 0], "weight": 2}"#)
                #expect(unknown.status == .badRequest)
                #expect(unknown.errorMessage?.contains("weight") == true)
                let missing = try await api.json(.patch, "\(base)/hints/\(UUID().uuidString)", #"{"x": 1}"#)
                #expect(missing.status == .notFound)
                // Integer overflow does not pass the bounds check (x + size would wrap around).
                let overflow = try await api.json(.post, "\(base)/hints", #"{"x": 9223372036854775807, "y": 1, "size": 1, "ab": [0, 0]}"#)
                #expect(overflow.status == .badRequest)
                let overflowPatch = try await api.json(.patch, "\(base)/hints/\(hintId)", #"{"size": 9223372036854775807}"#)
                #expect(overflowPatch.status == .badRequest)
                let fractional = try await api.json(.post, "\(base)/hints", #"{"x": 1.5, "y": 1, "ab": [0, 0]}"#)
                #expect(fractional.errorMessage?.contains("\"x\" must be an integer, got 1.5") == true, "\(fractional.errorMessage ?? "")")

                // Reach: a hint is `similar` unless told otherwise; `local` is kept, changed and hashed.
                #expect(added.json["spread"] as? String == "similar")
                let before = try await api.json(.get, base).json["stateHash"] as? String
                let local = try await api.json(.patch, "\(base)/hints/\(hintId)", #"{"spread": "local"}"#)
                #expect(local.status == .ok && local.json["spread"] as? String == "local")
                #expect(local.headers[Responses.stateHashHeader] != before, "the render depends on the spread")
                let badSpread = try await api.json(.patch, "\(base)/hints/\(hintId)", #"{"spread": "far"}"#)
                #expect(badSpread.status == .badRequest)
                let addedLocal = try await api.json(.post, "\(base)/hints", #"{"x": 2, "y": 3, "ab": [5, 5], "spread": "local"}"#)
                #expect(addedLocal.json["spread"] as? String == "local")
                _ = try await api.json(.delete, "\(base)/hints/\(try #require(addedLocal.json["id"] as? String))")
                _ = try await api.json(.patch, "\(base)/hints/\(hintId)", #"{"spread": "similar"}"#)

                var project = try await api.json(.get, base).json
                var hints = try #require(project["hints"] as? [[String: Any]])
                #expect(hints.map { $0["id"] as? String } == [hintId, secondId])

                // Replace all (what undo/redo sends): keeps given ids and the order.
                let replaced = try await api.json(.put, "\(base)/hints", """
                    {"hints": [{"id": "\(secondId)", "x": 1, "y": 2, "size": 3, "ab": [-10, 40], "spread": "local"},
                               {"x": 5, "y": 6, "ab": [0, 0]}]}
                    """)
                #expect(replaced.status == .ok, "\(replaced.errorMessage ?? "")")
                hints = try #require(replaced.json["hints"] as? [[String: Any]])
                #expect(hints.count == 2)
                #expect(hints[0]["id"] as? String == secondId)
                #expect(hints[0]["x"] as? Int == 1)
                #expect(hints[0]["spread"] as? String == "local")
                #expect(hints[1]["size"] as? Int == 1)

                let badReplace = try await api.json(.put, "\(base)/hints", #"{"hints": [{"x": 500, "y": 2, "ab": [0, 0]}]}"#)
                #expect(badReplace.status == .badRequest)
                let duplicate = try await api.json(.put, "\(base)/hints", """
                    {"hints": [{"id": "\(secondId)", "x": 1, "y": 2, "ab": [0, 0]}, {"id": "\(secondId)", "x": 1, "y": 2, "ab": [0, 0]}]}
                    """)
                #expect(duplicate.status == .badRequest)

                let deleted = try await api.json(.delete, "\(base)/hints/\(secondId)")
                #expect(deleted.status == .noContent)
                project = try await api.json(.get, base).json
                #expect((project["hints"] as? [Any])?.count == 1)

                let listed = try await api.json(.get, "\(base)/hints")
                #expect((listed.json["hints"] as? [Any])?.count == 1)

                let emptied = try await api.json(.put, "\(base)/hints", #"{"hints": []}"#)
                #expect((emptied.json["hints"] as? [Any])?.isEmpty == true)
            }
        }

        @Test func settings() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let project = try await api.create(try Fixtures.grayPNG())
                let id = try #require(project["id"] as? String)
                let hash = project["stateHash"] as? String

                let changed = try await api.json(.patch, "/api/projects/\(id)/settings", #"{"preset": "fast", "transferGlobal": true, "name": "Grandma"}"#)
                #expect(changed.status == .ok)
                #expect(changed.json["preset"] as? String == "fast")
                #expect(changed.json["transferGlobal"] as? Bool == true)
                #expect(changed.json["name"] as? String == "Grandma")
                #expect(changed.json["stateHash"] as? String != hash)
                #expect((changed.json["revision"] as? Int ?? 0) > (project["revision"] as? Int ?? 0))
                #expect(project["vividness"] as? Double == 0)
                let vivid = try await api.json(.patch, "/api/projects/\(id)/settings", #"{"vividness": 0.35}"#)
                #expect(vivid.status == .ok)
                #expect(vivid.json["vividness"] as? Double == 0.35)
                #expect(vivid.json["stateHash"] as? String != changed.json["stateHash"] as? String)

                for bad in [#"{"preset": "ultra"}"#, #"{"transferGlobal": "yes"}"#, #"{"colour": 1}"#, "[1, 2]", "nope",
                            #"{"vividness": 1.5}"#, #"{"vividness": -0.1}"#, #"{"vividness": "high"}"#] {
                    let response = try await api.json(.patch, "/api/projects/\(id)/settings", bad)
                    #expect(response.status == .badRequest, "\(bad)")
                    #expect(response.isJSON)
                }
            }
        }

        @Test func previewResultAndSuggestions() async throws {
            let dataDirectory = try Fixtures.temporaryDirectory()
            let app = try Fixtures.app(dataDirectory: dataDirectory)
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let id = try #require(try await api.create(try Fixtures.grayPNG(width: 96, height: 64))["id"] as? String)
                let base = "/api/projects/\(id)"
                _ = try await api.json(.patch, "\(base)/settings", #"{"preset": "fast"}"#)
                _ = try await api.json(.post, "\(base)/hints", #"{"x": 20, "y": 20, "size": 6, "ab": [40, 45]}"#)

                var stateHash: String?
                try await client.execute(uri: "\(base)/preview", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.headers[.contentType] == "image/png")
                    let checked = try response.decodedImage()
                    #expect(checked.channels == 3)
                    stateHash = response.headers[Responses.stateHashHeader]
                }
                // The web UI's previews: JPEG, the same size; an unknown format is refused.
                try await client.execute(uri: "\(base)/preview?format=jpeg", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.headers[.contentType] == "image/jpeg")
                    let checked = try response.decodedImage()
                    #expect(checked.channels == 3 && checked.width == 96 && checked.height == 64)
                }
                try await client.execute(uri: "\(base)/preview?format=gif", method: .get) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.errorMessage?.contains("png or jpeg") == true, "\(response.errorMessage ?? "")")
                }
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.headers[.contentType] == "image/png")
                    #expect(response.headers[Responses.cacheHeader] == "miss")
                    #expect(response.headers[Responses.stateHashHeader] == stateHash)
                    let image = try response.decodedImage()
                    #expect(image.width == 96 && image.height == 64 && image.channels == 3)
                    #expect(meanChroma(image) > 1)
                    // Exactly the colorizer's own result for this state (written from 8-bit samples
                    // row by row, after the preview's pass was reused).
                    let photo = try ImageCodec.decode(try Fixtures.grayPNG(width: 96, height: 64)).image
                    var request = ColorizeRequest()
                    request.settings.preset = .fast
                    request.hints = [Hint(x: 20, y: 20, size: 6, a: 40, b: 45)]
                    let expected = InterleavedImage8(try Fixtures.colorizer.get().colorize(photo, request).rgb)
                    #expect(InterleavedImage8(image) == expected)
                }
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[Responses.cacheHeader] == "hit")
                }
                // The render reaches the disk cache after the response (served from memory until then).
                let renders = dataDirectory.appendingPathComponent("projects/\(id)/renders")
                try await waitUntil(seconds: 10) {
                    ((try? FileManager.default.contentsOfDirectory(atPath: renders.path)) ?? [])
                        .contains { $0.hasSuffix("-full.png") }
                }
                try await client.execute(uri: "\(base)/result?format=jpeg&download=1", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "image/jpeg")
                    #expect(response.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
                    let checked = try ImageCodec.decode(response.data)
                    #expect(checked.format == .jpeg)
                }
                try await client.execute(uri: "\(base)/result?format=webp", method: .get) { response in
                    #expect(response.status == .badRequest)
                }

                // A new hint changes the state: the result is computed again.
                _ = try await api.json(.post, "\(base)/hints", #"{"x": 60, "y": 40, "size": 4, "ab": [-30, 30]}"#)
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.headers[Responses.cacheHeader] == "miss")
                    #expect(response.headers[Responses.stateHashHeader] != stateHash)
                }

                try await client.execute(uri: "\(base)/suggest?x=30&y=30&k=5", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    let suggestions = try #require(response.json["suggestions"] as? [[String: Any]])
                    #expect(suggestions.count == 5)
                    #expect((suggestions.first?["hex"] as? String)?.hasPrefix("#") == true)
                    let probabilities = suggestions.compactMap { $0["probability"] as? Double }
                    #expect(probabilities == probabilities.sorted(by: >))
                }
                try await client.execute(uri: "\(base)/suggest?x=30", method: .get) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.errorMessage?.contains("y") == true)
                }
                try await client.execute(uri: "\(base)/suggest?x=300&y=3", method: .get) { response in
                    #expect(response.status == .unprocessableContent)
                }
            }
        }

        @Test func referenceAndRegion() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let id = try #require(try await api.create(try Fixtures.grayPNG(width: 64, height: 48))["id"] as? String)
                let base = "/api/projects/\(id)"
                _ = try await api.json(.patch, "\(base)/settings", #"{"preset": "fast", "transferGlobal": true}"#)

                let (referenceBody, referenceHeaders) = Fixtures.multipart([.file("reference", try Fixtures.colourPNG())])
                try await client.execute(uri: "\(base)/reference", method: .put, headers: referenceHeaders, body: referenceBody) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.json["hasReference"] as? Bool == true)
                    let reference = response.json["reference"] as? [String: Any]
                    #expect(reference?["width"] as? Int == 64)
                }
                try await client.execute(uri: "\(base)/reference", method: .get) { response in
                    #expect(response.status == .ok)
                    let expected = try Fixtures.colourPNG()
                    #expect(response.data == expected)
                }
                // A gray reference is refused.
                let (grayBody, grayHeaders) = Fixtures.multipart([.file("reference", try Fixtures.grayPNG())])
                try await client.execute(uri: "\(base)/reference", method: .put, headers: grayHeaders, body: grayBody) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(response.errorMessage?.contains("colour") == true)
                }

                var pngHeaders = HTTPFields()
                pngHeaders[.contentType] = "image/png"
                try await client.execute(
                    uri: "\(base)/region", method: .put, headers: pngHeaders,
                    body: ByteBuffer(bytes: try Fixtures.maskPNG(width: 32, height: 32))
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(response.errorMessage?.contains("64×48") == true)
                }
                // An empty mask is a region too: the reference then colours nothing (the web UI's
                // "Painted region" before anything is painted); compared below with no reference.
                try await client.execute(
                    uri: "\(base)/region", method: .put, headers: pngHeaders,
                    body: ByteBuffer(bytes: try ImageCodec.encode(PlanarImage(width: 64, height: 48, channels: 1), as: .png(bitDepth: 8)))
                ) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.json["hasRegion"] as? Bool == true)
                }
                let emptyRegionPreview = try await client.execute(uri: "\(base)/preview", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    return response.data
                }
                var jpegHeaders = HTTPFields()
                jpegHeaders[.contentType] = "image/jpeg"
                let jpegMask = try ImageCodec.encode(PlanarImage(width: 64, height: 48, channels: 1, repeating: 1), as: .jpeg(quality: 90))
                try await client.execute(uri: "\(base)/region", method: .put, headers: jpegHeaders, body: ByteBuffer(bytes: jpegMask)) { response in
                    #expect(response.status == .unsupportedMediaType)
                }
                let mask = try Fixtures.maskPNG(width: 64, height: 48)
                try await client.execute(uri: "\(base)/region", method: .put, headers: pngHeaders, body: ByteBuffer(bytes: mask)) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.json["hasRegion"] as? Bool == true)
                }
                try await client.execute(uri: "\(base)/region", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.data == mask)
                }
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    let checked = try response.decodedImage()
                    #expect(checked.width == 64)
                }

                let noRegion = try await api.json(.delete, "\(base)/region")
                #expect(noRegion.json["hasRegion"] as? Bool == false)
                let missingRegion = try await api.json(.get, "\(base)/region")
                #expect(missingRegion.status == .notFound)
                let noReference = try await api.json(.delete, "\(base)/reference")
                #expect(noReference.json["hasReference"] as? Bool == false)
                let missingReference = try await api.json(.get, "\(base)/reference")
                #expect(missingReference.status == .notFound)
                // transferGlobal is still set but means nothing without a reference: rendering works,
                // and gives what the empty region gave.
                try await client.execute(uri: "\(base)/preview", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.data == emptyRegionPreview)
                }
            }
        }
    }
}

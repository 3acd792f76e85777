import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FindColorServer

/// A scratched test photo and the masks of the repair tests (issue 15).
enum RepairFixtures {
    static let width = 96, height = 64
    /// The bright vertical scratch: columns 46…48.
    static let scratch = 46...48

    /// `Fixtures.grayImage` with a white scratch down the middle.
    static func scratchedPNG() throws -> Data {
        var image = Fixtures.grayImage(width: width, height: height)
        for y in 0..<height { for x in scratch { image.data[y * width + x] = 1 } }
        return try ImageCodec.encode(image, as: .png(bitDepth: 8))
    }

    /// An edit mask (`RepairEdits`): white over the scratch (add), gray over the left quarter
    /// (erase), black elsewhere.
    static func editsPNG(width: Int = width, height: Int = height) throws -> Data {
        let mask = PlanarImage(width: width, height: height, channels: 1) { x, _, _ in
            scratch.contains(x) ? 1 : x < width / 4 ? 128 / 255 : 0
        }
        return try ImageCodec.encode(mask, as: .png(bitDepth: 8))
    }

    /// Mean L* of the scratch's columns in a result.
    static func scratchLightness(_ data: Data) throws -> Float {
        let L = lightness(of: try ImageCodec.decode(data).image)
        var sum: Float = 0
        for y in 0..<L.height { for x in scratch { sum += L.data[y * L.width + x] } }
        return sum / Float(L.height * scratch.count)
    }

    static func pngHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "image/png"
        return headers
    }
}

extension ServerTests {
    /// Repair before colour over the API: the stateless fields and a project's repair.
    @Suite struct RepairAPITests {
        @Test func colorizeRepairsWhenAsked() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            let photo = try RepairFixtures.scratchedPNG()
            try await app.test(.router) { client in
                func colorize(_ extra: [Fixtures.Field]) async throws -> Data {
                    let (body, headers) = Fixtures.multipart([.file("image", photo), .text("preset", "fast")] + extra)
                    return try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                        #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                        let image = try response.decodedImage()
                        #expect(image.width == RepairFixtures.width && image.height == RepairFixtures.height)
                        return response.data
                    }
                }
                let plain = try await colorize([])
                let off = try await colorize([.text("repair", "false")])
                #expect(off == plain, "repair=false must change nothing")
                // The scratch is marked by the user's mask: it is filled from the darker gradient around it.
                let repaired = try await colorize([
                    .text("repair", "true"), .text("fade", "false"), .text("denoise", "0.2"),
                    .file("repair_mask", try RepairFixtures.editsPNG()),
                ])
                let before = try RepairFixtures.scratchLightness(plain), after = try RepairFixtures.scratchLightness(repaired)
                #expect(before > 95, "the scratch is white before: \(before)")
                #expect(after < before - 20, "the scratch is filled: L* \(before) → \(after)")
                // With the detector only (no mask) the request works too.
                _ = try await colorize([.text("repair", "on")])
            }
        }

        @Test func badRepairFieldsAreRefusedClearly() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory())
            let photo = try RepairFixtures.scratchedPNG()
            let white = try ImageCodec.encode(
                PlanarImage(width: RepairFixtures.width, height: RepairFixtures.height, channels: 1, repeating: 1), as: .png(bitDepth: 8))
            try await app.test(.router) { client in
                let cases: [([Fixtures.Field], HTTPResponse.Status, String)] = [
                    ([.text("repair", "maybe")], .badRequest, "repair must be true or false"),
                    ([.text("repair", "true"), .text("denoise", "1.5")], .badRequest, "denoise must be a number from 0 to 1"),
                    ([.text("repair", "true"), .text("denoise", "-0.1")], .badRequest, "denoise"),
                    ([.text("repair", "true"), .text("denoise", "nan")], .badRequest, "denoise"),
                    ([.text("repair", "true"), .text("denoise", "lots")], .badRequest, "denoise must be a number"),
                    ([.text("repair", "true"), .text("fade", "sometimes")], .badRequest, "fade must be true or false"),
                    ([.text("denoise", "0.5")], .badRequest, "send repair=true"),
                    ([.text("repair", "false"), .text("fade", "false")], .badRequest, "send repair=true"),
                    ([.file("repair_mask", try RepairFixtures.editsPNG())], .badRequest, "send repair=true"),
                    ([.text("repair", "true"), .file("repair_mask", Data())], .badRequest, "empty"),
                    ([.text("repair", "true"), .file("repair_mask", try RepairFixtures.editsPNG(width: 32, height: 32))],
                     .unprocessableContent, "32×32 but the photo is 96×64"),
                    ([.text("repair", "true"), .file("repair_mask", Data("not an image at all".utf8))],
                     .unsupportedMediaType, "repair mask"),
                    ([.text("repair", "true"), .file("repair_mask", Data("GIF89a-------".utf8))], .unsupportedMediaType, "GIF"),
                    ([.text("repair", "true"), .file("repair_mask", white)], .unprocessableContent, "whole photo"),
                ]
                for (extra, status, expected) in cases {
                    let (body, headers) = Fixtures.multipart([.file("image", photo)] + extra)
                    try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                        #expect(response.status == status, "\(expected): \(response.errorMessage ?? "")")
                        #expect(response.errorMessage?.contains(expected) == true, "\(response.errorMessage ?? "") ~ \(expected)")
                    }
                }
                // Still serving.
                let (body, headers) = Fixtures.multipart([.file("image", photo), .text("preset", "fast")])
                try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .ok)
                }
            }
        }

        @Test func projectRepairSettingsDefectsAndEdits() async throws {
            let dataDirectory = try Fixtures.temporaryDirectory()
            let app = try Fixtures.app(dataDirectory: dataDirectory)
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let project = try await api.create(try RepairFixtures.scratchedPNG())
                let id = try #require(project["id"] as? String)
                let base = "/api/projects/\(id)"
                // Off by default.
                #expect(project["repair"] as? Bool == false)
                #expect(project["repairDenoise"] as? Double == 0)
                #expect(project["repairFade"] as? Bool == true)
                #expect(project["hasRepairMask"] as? Bool == false)
                let links = try #require(project["links"] as? [String: Any])
                #expect(links["defects"] as? String == "\(base)/repair/defects")
                #expect(links["repairMask"] == nil)
                let fast = try await api.json(.patch, "\(base)/settings", #"{"preset": "fast"}"#)
                let plainHash = try #require(fast.json["stateHash"] as? String)
                let plain = try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    return response.data
                }

                // Bad settings change nothing.
                for (body, expected) in [
                    (#"{"repairDenoise": 1.5}"#, "repairDenoise must be a number from 0 to 1"),
                    (#"{"repairDenoise": -1}"#, "repairDenoise"),
                    (#"{"repairDenoise": "high"}"#, "repairDenoise"),
                    (#"{"repair": "yes"}"#, "repair"),
                    (#"{"repairFade": 2}"#, "repairFade"),
                    (#"{"repairStrength": 1}"#, "unknown field"),
                ] {
                    let response = try await api.json(.patch, "\(base)/settings", body)
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(response.errorMessage?.contains(expected) == true, "\(response.errorMessage ?? "") ~ \(expected)")
                }
                let unchanged = try await api.json(.get, base)
                #expect(unchanged.json["repair"] as? Bool == false)
                #expect(unchanged.json["repairDenoise"] as? Double == 0)

                // The detected defects: a mask of the photo's size, computed once and kept.
                let defects = try await client.execute(uri: "\(base)/repair/defects", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.headers[.contentType] == "image/png")
                    let mask = try response.decodedImage()
                    #expect(mask.width == 96 && mask.height == 64 && mask.channels == 1)
                    #expect(mask.data.allSatisfy { $0 == 0 || $0 == 1 })
                    return response.data
                }
                let cached = dataDirectory.appendingPathComponent("projects/\(id)/\(ProjectRepair.defectsFileName())")
                #expect(FileManager.default.fileExists(atPath: cached.path))
                // Named by the detector file's bytes: a new detector (weights, thresholds, mirrors)
                // never reuses the masks another one found.
                let file = try Data(contentsOf: try DefectDetector.bundledURL())
                #expect(ProjectRepair.defectsFileName() == "defects-findcolor-repair-v1-\(ContentDigest.sha256Hex(file).prefix(12))-halo\(RepairSettings.haloRadius)-\(RepairSettings.haloDifference).png")
                try await client.execute(uri: "\(base)/repair/defects", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.data == defects)
                }

                // The edits: bad uploads are refused, a good one is kept normalised.
                let headers = RepairFixtures.pngHeaders()
                let badUploads: [(Data, HTTPFields, HTTPResponse.Status, String)] = [
                    (try RepairFixtures.editsPNG(width: 32, height: 32), headers, .unprocessableContent, "32×32 but the photo is 96×64"),
                    (Data("definitely not a PNG".utf8), headers, .unsupportedMediaType, "repair mask"),
                    (Data(), headers, .badRequest, "empty"),
                    (Data("{}".utf8), Fixtures.jsonBody("{}").headers, .unsupportedMediaType, "repair mask"),
                ]
                for (data, headers, status, expected) in badUploads {
                    try await client.execute(uri: "\(base)/repair/mask", method: .put, headers: headers, body: ByteBuffer(bytes: data)) { response in
                        #expect(response.status == status, "\(expected): \(response.errorMessage ?? "")")
                        #expect(response.errorMessage?.contains(expected) == true, "\(response.errorMessage ?? "") ~ \(expected)")
                    }
                }
                let missing = try await api.json(.get, "\(base)/repair/mask")
                #expect(missing.status == .notFound)

                let (form, formHeaders) = Fixtures.multipart([.file("mask", try RepairFixtures.editsPNG())])
                let edited = try await client.execute(uri: "\(base)/repair/mask", method: .put, headers: formHeaders, body: form) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    return response.json
                }
                #expect(edited["hasRepairMask"] as? Bool == true)
                #expect((edited["links"] as? [String: Any])?["repairMask"] as? String == "\(base)/repair/mask")
                // Repair is still off: the edits alone do not change the picture.
                #expect(edited["stateHash"] as? String == plainHash)
                try await client.execute(uri: "\(base)/repair/mask", method: .get) { response in
                    #expect(response.status == .ok)
                    let mask = try response.decodedImage()
                    #expect(mask.width == 96 && mask.channels == 1)
                    #expect(abs(mask.data[10 * 96 + 47] - 1) < 1e-3, "added")
                    #expect(abs(mask.data[10 * 96 + 5] - 128 / 255) < 1e-3, "erased")
                    #expect(mask.data[10 * 96 + 70] == 0, "as detected")
                }

                // Repair on: the picture changes, the scratch is filled.
                let on = try await api.json(.patch, "\(base)/settings", #"{"repair": true, "repairDenoise": 0.3, "repairFade": false}"#)
                #expect(on.status == .ok, "\(on.errorMessage ?? "")")
                #expect(on.json["repair"] as? Bool == true)
                #expect(on.json["repairDenoise"] as? Double == 0.3)
                #expect(on.json["repairFade"] as? Bool == false)
                let repairedHash = try #require(on.json["stateHash"] as? String)
                #expect(repairedHash != plainHash)
                try await client.execute(uri: "\(base)/preview", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                }
                let repaired = try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                    #expect(response.headers[Responses.stateHashHeader] == repairedHash)
                    return response.data
                }
                let before = try RepairFixtures.scratchLightness(plain), after = try RepairFixtures.scratchLightness(repaired)
                #expect(after < before - 20, "the scratch is filled: L* \(before) → \(after)")

                // Without the edits the state (and so the render) is another one.
                let cleared = try await api.json(.delete, "\(base)/repair/mask")
                #expect(cleared.json["hasRepairMask"] as? Bool == false)
                #expect(cleared.json["stateHash"] as? String != repairedHash)
                #expect(try await api.json(.get, "\(base)/repair/mask").status == .notFound)
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.status == .ok, "\(response.errorMessage ?? "")")
                }

                // A mask that covers everything cannot be repaired from: a clear 422, and the server goes on.
                let white = try ImageCodec.encode(PlanarImage(width: 96, height: 64, channels: 1, repeating: 1), as: .png(bitDepth: 8))
                try await client.execute(uri: "\(base)/repair/mask", method: .put, headers: headers, body: ByteBuffer(bytes: white)) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "\(base)/preview", method: .get) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(response.errorMessage?.contains("whole photo") == true, "\(response.errorMessage ?? "")")
                }
                // Repair off again: the first picture, from the cache.
                let off = try await api.json(.patch, "\(base)/settings", #"{"repair": false}"#)
                #expect(off.json["stateHash"] as? String == plainHash)
                try await client.execute(uri: "\(base)/result", method: .get) { response in
                    #expect(response.headers[Responses.cacheHeader] == "hit")
                    #expect(response.data == plain)
                }
            }
        }

        @Test func repairMaskUploadsHaveTheUploadLimit() async throws {
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory(), limits: ServerLimits(maxUploadBytes: 64 * 1024))
            try await app.test(.router) { client in
                let api = ProjectClient(client: client)
                let id = try #require(try await api.create(try Fixtures.grayPNG(width: 96, height: 64))["id"] as? String)
                let big = Data(repeating: 0x41, count: 200 * 1024)
                try await client.execute(
                    uri: "/api/projects/\(id)/repair/mask", method: .put, headers: RepairFixtures.pngHeaders(), body: ByteBuffer(bytes: big)
                ) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.errorMessage?.contains("limit") == true, "\(response.errorMessage ?? "")")
                }
            }
        }

        @Test func aServerWithoutTheDetectorStillColoursAndExplains() async throws {
            struct Missing: Error, CustomStringConvertible { var description: String { "no such file" } }
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory(), repair: RepairService(load: { throw Missing() }))
            try await app.test(.router) { client in
                let photo = try RepairFixtures.scratchedPNG()
                let (body, headers) = Fixtures.multipart([.file("image", photo), .text("preset", "fast"), .text("repair", "true")])
                try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .internalServerError)
                    #expect(response.errorMessage?.contains("defect detector is not available") == true, "\(response.errorMessage ?? "")")
                }
                let (plainBody, plainHeaders) = Fixtures.multipart([.file("image", photo), .text("preset", "fast")])
                try await client.execute(uri: "/api/colorize", method: .post, headers: plainHeaders, body: plainBody) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }
}

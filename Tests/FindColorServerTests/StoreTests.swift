import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import FindColorServer

extension ServerTests {
    /// The project store: everything survives a restart; leftovers of a crash are cleaned up.
    @Suite struct StoreTests {
        @Test func projectsSurviveARestart() async throws {
            let data = try Fixtures.temporaryDirectory()
            let photo = try Fixtures.grayPNG(width: 72, height: 54)
            let reference = try Fixtures.colourPNG()
            let mask = try Fixtures.maskPNG(width: 72, height: 54)

            struct Saved: Sendable {
                var id: String
                var hintIds: [String]
                var stateHash: String
                var result: Data
            }

            // First run: create a project with hints, a reference, a region, settings and a result.
            let saved: Saved = try await Fixtures.app(dataDirectory: data).test(.router) { client in
                let api = ProjectClient(client: client)
                let id = try #require(try await api.create(photo, name: "Persistent")["id"] as? String)
                let base = "/api/projects/\(id)"
                var hintIds: [String] = []
                for body in [
                    #"{"x": 5, "y": 6, "size": 3, "ab": [20, 10]}"#,
                    ##"{"x": 30, "y": 20, "size": 5, "color": "#3366cc"}"##,
                    #"{"x": 60, "y": 40, "ab": [-15, 25]}"#,
                ] {
                    let response = try await api.json(.post, "\(base)/hints", body)
                    hintIds.append(try #require(response.json["id"] as? String))
                }
                _ = try await api.json(.patch, "\(base)/settings", #"{"preset": "fast", "transferGlobal": true}"#)
                let (referenceBody, referenceHeaders) = Fixtures.multipart([.file("reference", reference)])
                _ = try await client.execute(uri: "\(base)/reference", method: .put, headers: referenceHeaders, body: referenceBody)
                var pngHeaders = HTTPFields()
                pngHeaders[.contentType] = "image/png"
                _ = try await client.execute(uri: "\(base)/region", method: .put, headers: pngHeaders, body: ByteBuffer(bytes: mask))
                let result = try await client.execute(uri: "\(base)/result", method: .get)
                #expect(result.status == .ok, "\(result.errorMessage ?? "")")
                let project = try await api.json(.get, base).json
                // The render reaches the disk cache just after the response (`UnwrittenRenders`):
                // wait for its file, and a moment for its database record, before this server goes.
                let renders = data.appendingPathComponent("projects/\(id)/renders")
                for _ in 0..<100 where ((try? FileManager.default.contentsOfDirectory(atPath: renders.path)) ?? []).isEmpty {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(300))
                return Saved(id: id, hintIds: hintIds, stateHash: try #require(project["stateHash"] as? String), result: result.data)
            }

            // Second run on the same data directory, a new application and store.
            try await Fixtures.app(dataDirectory: data).test(.router) { client in
                let api = ProjectClient(client: client)
                let base = "/api/projects/\(saved.id)"
                let project = try await api.json(.get, base)
                #expect(project.status == .ok)
                #expect(project.json["name"] as? String == "Persistent")
                #expect(project.json["preset"] as? String == "fast")
                #expect(project.json["transferGlobal"] as? Bool == true)
                #expect(project.json["hasReference"] as? Bool == true)
                #expect(project.json["hasRegion"] as? Bool == true)
                #expect(project.json["stateHash"] as? String == saved.stateHash)
                let hints = try #require(project.json["hints"] as? [[String: Any]])
                #expect(hints.compactMap { $0["id"] as? String } == saved.hintIds)
                #expect(hints.compactMap { $0["x"] as? Int } == [5, 30, 60])
                #expect(hints.compactMap { $0["size"] as? Int } == [3, 5, 1])

                let original = try await api.json(.get, "\(base)/original")
                #expect(original.data == photo)
                let storedReference = try await api.json(.get, "\(base)/reference")
                #expect(storedReference.data == reference)
                let storedMask = try await api.json(.get, "\(base)/region")
                #expect(storedMask.data == mask)
                let thumbnail = try await api.json(.get, "\(base)/thumbnail")
                #expect(thumbnail.status == .ok)

                // The result was cached on disk: served again without running the network.
                let result = try await api.json(.get, "\(base)/result")
                #expect(result.headers[Responses.cacheHeader] == "hit")
                #expect(result.data == saved.result)

                let list = try await api.json(.get, "/api/projects")
                let summary = (list.json["projects"] as? [[String: Any]])?.first
                #expect(summary?["hintCount"] as? Int == 3)
            }

            // The files are where the store says.
            let folder = data.appendingPathComponent("projects/\(saved.id)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(files.contains("original.png"))
            #expect(files.contains("thumbnail.jpg"))
            #expect(files.contains { $0.hasPrefix("reference-") })
            #expect(files.contains { $0.hasPrefix("region-") })
            #expect(!files.contains { AtomicFile.isTemporary($0) })
            #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent(ProjectStore.databaseFileName).path))
        }

        @Test func leftoversOfACrashAreRemovedAtStartup() async throws {
            let data = try Fixtures.temporaryDirectory()
            let logger = Logger(label: "test")
            let store = try ProjectStore(dataDirectory: data, logger: logger)
            let snapshot = try await store.createProject(.init(
                name: "kept", original: try Fixtures.grayPNG(), format: .png, width: 64, height: 48,
                thumbnail: Data([0xFF, 0xD8, 0xFF])))
            let orphan = store.projectsDirectory.appendingPathComponent(UUID().uuidString.lowercased())
            try FileManager.default.createDirectory(at: orphan, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: orphan.appendingPathComponent("original.png"))
            let temporary = store.directory(of: snapshot.project.id).appendingPathComponent(".original.png.abc.tmp")
            try Data("partial".utf8).write(to: temporary)
            let unrelated = store.projectsDirectory.appendingPathComponent("README.txt")
            try Data("keep me".utf8).write(to: unrelated)

            let reopened = try ProjectStore(dataDirectory: data, logger: logger)
            #expect(!FileManager.default.fileExists(atPath: orphan.path))
            #expect(!FileManager.default.fileExists(atPath: temporary.path))
            #expect(FileManager.default.fileExists(atPath: unrelated.path))
            let kept = try await reopened.snapshot(snapshot.project.id)
            #expect(kept.project.name == "kept")
        }

        /// A fresh store holding one 64×48 gray project (for the render-cache tests).
        static func storeWithProject(_ name: String) async throws -> (ProjectStore, String) {
            let store = try ProjectStore(dataDirectory: try Fixtures.temporaryDirectory(), logger: Logger(label: "test"))
            let id = try await store.createProject(.init(
                name: name, original: try Fixtures.grayPNG(), format: .png, width: 64, height: 48,
                thumbnail: Data([1]))).project.id
            return (store, id)
        }

        @Test func renderCacheKeepsOnlyTheMostRecent() async throws {
            let (store, id) = try await Self.storeWithProject("cache")
            for i in 0..<5 {
                let key = ProjectStore.RenderKey(projectId: id, stateHash: "state\(i)", kind: "full", format: "png")
                await store.saveRender(key, data: Data([UInt8(i)]), milliseconds: 1, keep: 3)
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: store.rendersDirectory(of: id).path).sorted()
            #expect(files == ["state2-full.png", "state3-full.png", "state4-full.png"])
            let hit = try await store.cachedRender(.init(projectId: id, stateHash: "state4", kind: "full", format: "png"))
            #expect(hit?.data == Data([4]))
            let evicted = try await store.cachedRender(.init(projectId: id, stateHash: "state0", kind: "full", format: "png"))
            #expect(evicted == nil)
        }

        /// A render found in the cache and evicted before it is marked as used (another render of
        /// the project saved in between) is still served: marking it is no error.
        @Test func touchingAnEvictedRenderIsNoError() async throws {
            let (store, id) = try await Self.storeWithProject("race")
            let first = ProjectStore.RenderKey(projectId: id, stateHash: "first", kind: "full", format: "png")
            await store.saveRender(first, data: Data([1]), milliseconds: 1, keep: 1)
            var found = try #require(try await store.cachedRender(first)).record
            // the next render evicts it (keep 1) before the first reader marks it as used
            await store.saveRender(.init(projectId: id, stateHash: "second", kind: "full", format: "png"),
                                   data: Data([2]), milliseconds: 1, keep: 1)
            #expect(try await store.cachedRender(first) == nil)
            found.lastUsedAt = Date()
            try await store.touchRender(found)
            #expect(try await store.cachedRender(first) == nil)  // and it does not come back
        }

        /// The store checks settings with `ColorizeSettings.validate` whoever calls it: refused
        /// values are a 400-class `StoreError.invalid` naming the setting, and change nothing.
        @Test func storeRefusesInvalidSettings() async throws {
            let data = try Fixtures.temporaryDirectory()
            let store = try ProjectStore(dataDirectory: data, logger: Logger(label: "test"))
            let created = try await store.createProject(.init(
                name: "settings", original: try Fixtures.grayPNG(), format: .png, width: 64, height: 48, thumbnail: Data([1])))
            let id = created.project.id
            for bad in [1.5, -0.1, Double.nan, Double.infinity, 1e300] {
                do {
                    _ = try await store.updateSettings(id, name: "changed", preset: .best, transferGlobal: true, vividness: bad)
                    Issue.record("vividness \(bad) was stored")
                } catch StoreError.invalid(let message) {
                    #expect(message.hasPrefix("vividness must be in 0…1"), "\(message)")
                }
            }
            let after = try await store.snapshot(id).project
            #expect(after.name == "settings" && after.preset == "balanced" && !after.transferGlobal && after.vividness == 0,
                    "a refused change changes nothing")
            #expect(after.revision == created.project.revision)
            let ok = try await store.updateSettings(id, name: nil, preset: .best, transferGlobal: nil, vividness: 1)
            #expect(ok.project.settings == ColorizeSettings(preset: .best, vividness: 1))
        }

        @Test func stateHashFollowsEverythingARenderDependsOn() async throws {
            let data = try Fixtures.temporaryDirectory()
            let store = try ProjectStore(dataDirectory: data, logger: Logger(label: "test"))
            let created = try await store.createProject(.init(
                name: "hash", original: try Fixtures.grayPNG(), format: .png, width: 64, height: 48, thumbnail: Data([1])))
            let id = created.project.id
            var seen: Set<String> = [created.stateHash]
            let (_, withHint) = try await store.addHint(id, Hint(x: 1, y: 1, size: 2, a: 10, b: 10))
            #expect(seen.insert(withHint.stateHash).inserted)
            let (record, moved) = try await store.updateHint(id, withHint.hints[0].id) { hint in
                var hint = hint
                hint.x = 2
                return hint
            }
            #expect(record.x == 2)
            #expect(seen.insert(moved.stateHash).inserted)
            let fast = try await store.updateSettings(id, name: nil, preset: .fast, transferGlobal: nil)
            #expect(seen.insert(fast.stateHash).inserted)
            // Renaming does not change the picture.
            let renamed = try await store.updateSettings(id, name: "other", preset: nil, transferGlobal: nil)
            #expect(renamed.stateHash == fast.stateHash)
            // Without a reference, the global transfer flag and a region do not change the picture.
            let transfer = try await store.updateSettings(id, name: nil, preset: nil, transferGlobal: true)
            #expect(transfer.stateHash == fast.stateHash)
            // Vividness changes the picture, and is kept.
            let vivid = try await store.updateSettings(id, name: nil, preset: nil, transferGlobal: nil, vividness: 0.4)
            #expect(vivid.project.vividness == 0.4)
            #expect(seen.insert(vivid.stateHash).inserted)
            let plain = try await store.updateSettings(id, name: nil, preset: nil, transferGlobal: nil, vividness: 0)
            #expect(plain.stateHash == fast.stateHash)
            let reference = try await store.setReference(id, data: try Fixtures.colourPNG(), format: .png, width: 64, height: 64)
            #expect(seen.insert(reference.stateHash).inserted)
            let region = try await store.setMask(.region, of: id, png: try Fixtures.maskPNG(width: 64, height: 48))
            #expect(seen.insert(region.stateHash).inserted)
            // Back to the same hints: the same state as before (so undo reuses cached renders).
            let back = try await store.replaceHints(id, region.hints.map { (id: $0.id, hint: $0.hint) })
            #expect(back.stateHash == region.stateHash)
            #expect(back.project.revision > region.project.revision)
        }
    }
}

import Foundation
import Testing
@testable import FindColor

@Suite struct BatchPlanning {
    func tree() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fc-batch-\(UUID().uuidString)")
        for rel in ["a.jpg", "b.png", "sub/c.tif", "sub/deeper/d.jpeg", "sub/e.JPG", "notes.txt", "sub/f.png"] {
            let url = root.appendingPathComponent(rel)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data([1]).write(to: url)
        }
        return root
    }

    @Test func mirrorsTheTreeAndSkipsNonImages() throws {
        let root = try tree()
        let out = root.appendingPathComponent("out")
        let plan = try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: "png")
        let rels = plan.items.map { String($0.output.path.dropFirst(out.path.count + 1)) }
        #expect(rels == ["a.png", "b.png", "sub/c.png", "sub/deeper/d.png", "sub/e.png", "sub/f.png"])
    }

    @Test func shardsSplitExactly() throws {
        let root = try tree()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fc-out-\(UUID().uuidString)")
        let all = try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: nil).items.map(\.input.path)
        var seen: [String] = []
        for i in 0..<4 {
            seen += try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: nil, shard: i, shardCount: 4).items.map(\.input.path)
        }
        #expect(seen.count == all.count)
        #expect(Set(seen) == Set(all))
        #expect(throws: FindColorError.self) { try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: nil, shard: 4, shardCount: 4) }
    }

    @Test func existingOutputsAreSkipped() throws {
        let root = try tree()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fc-out-\(UUID().uuidString)")
        let first = try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: "png")
        let done = first.items[0].output
        try FileManager.default.createDirectory(at: done.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([1]).write(to: done)
        let again = try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: "png")
        #expect(again.alreadyDone.map(\.output) == [done])
        #expect(again.items.count == first.items.count - 1)
        #expect(try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: "png", overwrite: true).items.count == first.items.count)
    }
}

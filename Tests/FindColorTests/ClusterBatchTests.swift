import Foundation
import Testing
@testable import FindColor

/// Sharding for clusters (issue 14): stable hash assignment, `--shard auto` from the scheduler's
/// environment, run manifests that never keep a torn line, and the report that merges them.
@Suite struct ClusterSharding {
    func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fc-\(name)-\(UUID().uuidString)")
    }

    func touch(_ root: URL, _ rels: [String], bytes: Int = 1) throws {
        for rel in rels {
            let url = root.appendingPathComponent(rel)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(repeating: 1, count: bytes).write(to: url)
        }
    }

    @Test func sha256MatchesKnownDigests() {
        let known: [Int: String] = [
            0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            55: "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59",
            56: "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562",
            63: "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488",
            64: "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108",
            65: "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781",
            119: "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6",
            120: "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c",
            1000: "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d",
        ]
        for (n, hex) in known {
            let bytes = (0..<n).map { UInt8($0 % 251) }
            #expect(ContentDigest.sha256Hex(bytes) == hex, "length \(n)")
        }
    }

    /// The documented formula, checked against Python's
    /// `int(hashlib.sha256(key.encode()).hexdigest()[:16], 16) % n`.
    @Test func shardIsTheDocumentedHash() {
        #expect(BatchPlan.shard(ofKey: "sub/a.jpg", count: 16) == 6)
        #expect(BatchPlan.shard(ofKey: "sub/a.jpg", count: 1000) == 878)
        #expect(BatchPlan.shard(ofKey: "a.jpg", count: 16) == 10)
        #expect(BatchPlan.shard(ofKey: "photos/1944/Ä-ü.tif", count: 1000) == 551)
        #expect(BatchPlan.shard(ofKey: "", count: 1000) == 652)
        #expect(BatchPlan.shard(ofKey: "anything", count: 1) == 0)
    }

    @Test func shardsAreBalanced() {
        var counts = [Int](repeating: 0, count: 16)
        for i in 0..<16_000 { counts[BatchPlan.shard(ofKey: "box\(i / 100)/scan-\(i).tif", count: 16)] += 1 }
        #expect(counts.min()! > 850 && counts.max()! < 1150, "\(counts)")
    }

    /// Adding and removing photos between runs never moves another photo to a different shard,
    /// and the shards always split the tree exactly.
    @Test func addingOrRemovingPhotosNeverMovesAnother() throws {
        let root = folder("stable"), out = folder("stable-out")
        let first = (0..<60).map { "box\($0 % 4)/p\($0).jpg" }
        try touch(root, first)
        func assignment() throws -> [String: Int] {
            var a: [String: Int] = [:]
            for s in 0..<5 {
                let plan = try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: "png", shard: s, shardCount: 5)
                for item in plan.items {
                    #expect(a[item.key] == nil, "\(item.key) in two shards")
                    a[item.key] = s
                }
            }
            return a
        }
        let before = try assignment()
        #expect(before.count == 60)
        #expect(Set(before.values).count == 5)
        // Remove a third, add 40 new ones (some sorting before and between the old names).
        for rel in first where rel.hasSuffix("0.jpg") || rel.hasSuffix("3.jpg") || rel.hasSuffix("7.jpg") {
            try FileManager.default.removeItem(at: root.appendingPathComponent(rel))
        }
        try touch(root, (0..<40).map { "box\($0 % 5)/a-new\($0).jpg" } + ["000.jpg", "box1/p1b.jpg"])
        let after = try assignment()
        var kept = 0
        for (key, s) in before where after[key] != nil {
            #expect(after[key] == s, "\(key) moved from shard \(s) to \(after[key]!)")
            kept += 1
        }
        #expect(kept == 42)
        #expect(after.count == 42 + 42)
        for (key, s) in after { #expect(s == BatchPlan.shard(ofKey: key, count: 5)) }
    }

    @Test func keysAreRelativeToTheInputFolder() throws {
        let a = folder("keys-a"), b = folder("keys-b"), out = folder("keys-out")
        try touch(a, ["x/1.jpg"])
        try touch(b, ["deep/er/x/1.jpg"])
        let pa = try BatchPlan.make(inputs: [a], outputDirectory: out, outputExtension: nil)
        let pb = try BatchPlan.make(inputs: [b.appendingPathComponent("deep/er")], outputDirectory: out, outputExtension: nil)
        #expect(pa.items.map(\.key) == ["x/1.jpg"])
        #expect(pb.items.map(\.key) == ["x/1.jpg"]) // same relative path, same shard wherever the archive is mounted
        let single = try BatchPlan.make(inputs: [a.appendingPathComponent("x/1.jpg")], outputDirectory: out, outputExtension: nil)
        #expect(single.items.map(\.key) == ["1.jpg"])
    }

    @Test func shardAutoFromSlurm() throws {
        let env = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "8",
                   "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_STEP": "1"]
        let a = try ShardAssignment.resolve(shard: .auto, shards: nil, environment: env)
        #expect(a.index == 2 && a.count == 4)
        // --shards N: the task id is the shard (so a subset of the array can be resubmitted).
        let b = try ShardAssignment.resolve(shard: .auto, shards: 16, environment: ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "7", "SLURM_ARRAY_TASK_MAX": "9"])
        #expect(b.index == 7 && b.count == 16)
        #expect(throws: FindColorError.self) { try ShardAssignment.resolve(shard: .auto, shards: 4, environment: ["SLURM_ARRAY_TASK_ID": "4"]) }
        // A subset or a step without --shards cannot be told from the environment.
        #expect(throws: FindColorError.self) {
            try ShardAssignment.resolve(shard: .auto, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "9", "SLURM_ARRAY_TASK_COUNT": "2"])
        }
        #expect(throws: FindColorError.self) {
            try ShardAssignment.resolve(shard: .auto, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "8", "SLURM_ARRAY_TASK_STEP": "2"])
        }
        #expect(throws: FindColorError.self) { try ShardAssignment.resolve(shard: .auto, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "2"]) }
        #expect(throws: FindColorError.self) { try ShardAssignment.resolve(shard: .auto, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3"]) }
    }

    @Test func shardAutoFromKubernetes() throws {
        let a = try ShardAssignment.resolve(shard: .auto, shards: 100, environment: ["JOB_COMPLETION_INDEX": "42"])
        #expect(a.index == 42 && a.count == 100)
        #expect(throws: FindColorError.self) { try ShardAssignment.resolve(shard: .auto, shards: nil, environment: ["JOB_COMPLETION_INDEX": "3"]) }
        #expect(throws: FindColorError.self) { try ShardAssignment.resolve(shard: .auto, shards: 3, environment: ["JOB_COMPLETION_INDEX": "3"]) }
    }

    @Test func shardAutoWithoutSchedulerIsAClearError() throws {
        do {
            _ = try ShardAssignment.resolve(shard: .auto, shards: 4, environment: ["PATH": "/bin"])
            Issue.record("no error")
        } catch {
            let m = "\(error)"
            #expect(m.contains("SLURM_ARRAY_TASK_ID") && m.contains("JOB_COMPLETION_INDEX") && m.contains("--shard i/N"), "\(m)")
        }
        #expect(throws: FindColorError.self) {
            try ShardAssignment.resolve(shard: .auto, shards: 4, environment: ["SLURM_ARRAY_TASK_ID": "1", "JOB_COMPLETION_INDEX": "1"])
        }
        #expect(throws: FindColorError.self) { try ShardAssignment.checkSyntax(shard: .part(index: 1, count: 4), shards: 4) }
        #expect(throws: FindColorError.self) { try ShardAssignment.checkSyntax(shard: nil, shards: 4) }
        #expect(throws: FindColorError.self) { try ShardAssignment.checkSyntax(shard: .auto, shards: 0) }
        #expect(throws: FindColorError.self) { try ShardAssignment.checkSyntax(shard: .part(index: 3, count: 3), shards: nil) }
        #expect(throws: FindColorError.self) { try ShardAssignment.checkSyntax(shard: .part(index: -1, count: 3), shards: nil) }
        #expect(throws: FindColorError.self) { try ShardAssignment.checkSyntax(shard: .part(index: 0, count: 0), shards: nil) }
        // The syntax (what `--shard` parses): auto or two whole numbers around a slash.
        #expect(ShardSpec("auto") == .auto && ShardSpec("3/16") == .part(index: 3, count: 16))
        #expect(ShardSpec("-1/3") == .part(index: -1, count: 3))  // parsed; refused by checkSyntax, with the rule
        for bad in ["1/", "/4", "a/b", "1/3/5", "", "Auto", "3"] { #expect(ShardSpec(bad) == nil, "\(bad)") }
        #expect(ShardSpec.part(index: 3, count: 16).description == "3/16")
        #expect(try ShardAssignment.resolve(shard: .part(index: 3, count: 8), shards: nil, environment: [:]) == ShardAssignment(index: 3, count: 8, source: "--shard 3/8"))
    }

    @Test func staleTemporaryFilesAreOnlyThisShards() throws {
        let root = folder("tmp-in"), out = folder("tmp-out")
        let names = (0..<12).map { "p\($0).png" }
        try touch(root, names)
        let plan = try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: nil, shard: 0, shardCount: 3)
        let other = try BatchPlan.make(inputs: [root], outputDirectory: out, outputExtension: nil, shard: 1, shardCount: 3)
        let mine = try #require(plan.items.first), theirs = try #require(other.items.first)
        let stale = out.appendingPathComponent(".\(mine.output.lastPathComponent).\(UUID().uuidString).tmp")
        let foreign = out.appendingPathComponent(".\(theirs.output.lastPathComponent).\(UUID().uuidString).tmp")
        let unrelated = out.appendingPathComponent(".\(mine.output.lastPathComponent).not-a-uuid.tmp")
        try touch(out, [stale.lastPathComponent, foreign.lastPathComponent, unrelated.lastPathComponent])
        #expect(plan.staleTemporaryFiles().map(\.lastPathComponent) == [stale.lastPathComponent])
        #expect(other.staleTemporaryFiles().map(\.lastPathComponent) == [foreign.lastPathComponent])
    }
}

@Suite struct RunManifests {
    func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fc-\(name)-\(UUID().uuidString)")
    }

    func photo(_ output: String, _ status: ManifestRecord.Status, shard: String = "0/2", ms: Double = 1000, error: String? = nil) -> ManifestRecord {
        var r = ManifestRecord(type: "photo", shard: shard)
        r.output = output
        r.input = "/in/" + output
        r.key = output
        r.status = status
        r.ms = status == .existing ? nil : ms
        r.error = error
        r.cores = 2
        r.host = "node1"
        r.pid = 7
        r.model = "abc123"
        r.settings = ["preset": "fast"]
        return r
    }

    @Test func writerAppendsWholeLinesAndClosesATornTail() throws {
        let out = folder("manifest")
        let w = try ManifestWriter(outputDirectory: out, shard: 3)
        #expect(w.url.path.hasSuffix(".findcolor/shard-3.jsonl"))
        try w.append(photo("a.png", .ok))
        try w.append(photo("b \"quoted\"\nname.png", .failed, error: "line one\nline two"))
        var text = try String(contentsOf: w.url, encoding: .utf8)
        #expect(text.hasSuffix("\n") && text.split(separator: "\n").count == 2)
        // Another writer died mid-line: the next record starts on a line of its own.
        let h = try FileHandle(forWritingTo: w.url)
        h.seekToEndOfFile()
        h.write(Data("{\"type\":\"photo\",\"output\":\"c.p".utf8))
        h.closeFile()
        let torn = BatchManifest.parse(try Data(contentsOf: w.url))
        #expect(torn.records.count == 2 && torn.tornLines == [3])
        try w.append(photo("d.png", .ok))
        text = try String(contentsOf: w.url, encoding: .utf8)
        let c = BatchManifest.parse(Data(text.utf8))
        #expect(c.records.map(\.output) == ["a.png", "b \"quoted\"\nname.png", "d.png"])
        #expect(c.records[1].error == "line one\nline two")
        #expect(c.tornLines == [3])
        #expect(text.hasSuffix("\n"))
    }

    @Test func timestampsAreReadExactly() {
        // 1970, a leap day, now-ish, 2100 (not a leap year), with and without milliseconds.
        for t in [0.0, 951_782_400.5, 1_796_217_604.123, 4_107_456_000.999] {
            let r = ManifestRecord(type: "photo", time: Date(timeIntervalSince1970: t), shard: "0/1")
            #expect(abs((r.epochSeconds ?? -1) - t) < 0.0015, "\(r.time)")
        }
        var r = ManifestRecord(type: "photo", shard: "0/1")
        r.time = "2026-12-02T14:10:03Z"
        #expect(r.epochSeconds == 1_796_220_603)
        r.time = "2026-12-02T15:10:03.250+01:00" // another writer's form: the formatter reads it
        #expect(abs((r.epochSeconds ?? 0) - 1_796_220_603.25) < 0.001)
        r.time = "yesterday"
        #expect(r.epochSeconds == nil)
    }

    @Test func readerToleratesTornAndMissingFinalNewline() throws {
        let e = JSONEncoder()
        let a = String(decoding: try e.encode(photo("a.png", .ok)), as: UTF8.self)
        let b = String(decoding: try e.encode(photo("b.png", .ok)), as: UTF8.self)
        // A whole last record without its newline is kept; a torn one is not.
        #expect(BatchManifest.parse(Data((a + "\n" + b).utf8)).records.count == 2)
        let torn = BatchManifest.parse(Data((a + "\n\n" + b.prefix(30)).utf8))
        #expect(torn.records.count == 1 && torn.tornLines == [3])
        #expect(BatchManifest.parse(Data("not json\n".utf8)).tornLines == [1])
        #expect(BatchManifest.parse(Data()).records.isEmpty)
    }

    /// The report on a manifest with failures and a torn last line: totals, failures with their
    /// reasons, throughput, photos missing from every manifest.
    @Test func reportMergesShardsWithFailuresAndATornLine() throws {
        let input = folder("report-in"), out = folder("report-out")
        let fm = FileManager.default
        for rel in ["a.png", "b.png", "c.png", "d.png", "e.png", "sub/f.png", "sub/g.png"] {
            let url = input.appendingPathComponent(rel)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data([1]).write(to: url)
        }
        for rel in ["a.png", "b.png", "d.png", "sub/f.png"] {
            let url = out.appendingPathComponent(rel)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data([1, 2]).write(to: url)
        }
        var start = ManifestRecord(type: "start", time: Date(timeIntervalSinceNow: -20), shard: "0/2")
        start.inputs = [input.path]
        start.cores = 2
        start.host = "node1"
        start.pid = 7
        let w0 = try ManifestWriter(outputDirectory: out, shard: 0)
        try w0.append(start)
        try w0.append(photo("a.png", .ok, ms: 1800))
        try w0.append(photo("c.png", .failed, ms: 200, error: "invalid image: not a PNG"))
        try w0.append(photo("b.png", .failed, ms: 100, error: "first try failed"))
        try w0.append(photo("b.png", .ok, ms: 1800)) // a re-run fixed it
        var start1 = start
        start1.shard = "1/2"
        start1.pid = 8
        let w1 = try ManifestWriter(outputDirectory: out, shard: 1)
        try w1.append(start1)
        try w1.append(photo("d.png", .existing, shard: "1/2"))
        try w1.append(photo("sub/f.png", .ok, shard: "1/2", ms: 1800))
        let h = try FileHandle(forWritingTo: w1.url)
        h.seekToEndOfFile()
        h.write(Data("{\"type\":\"photo\",\"output\":\"sub/g.png\",\"sta".utf8)) // killed mid-line
        h.closeFile()

        let r = try BatchReport.make(outputDirectory: out)
        #expect(r.manifests == ["shard-0.jsonl", "shard-1.jsonl"])
        #expect(r.total == 7)
        #expect(r.done == 4 && r.colourized == 3 && r.foundFinished == 1)
        #expect(r.failed.map(\.output) == ["c.png"])
        #expect(r.failed.first?.error == "invalid image: not a PNG")
        #expect(r.missing == ["e.png", "sub/g.png"])
        #expect(r.tornLines == ["shard-1.jsonl:4"])
        #expect(r.inputsReadable && !r.complete)
        #expect(r.colouredMoreThanOnce.isEmpty)
        // 3 photos in (1.8 + 0.2 + 0.1 + 1.8 + 1.8) s × 2 cores.
        let expected = 3 / (5.7 * 2 / 3600)
        #expect(abs((r.photosPerHourPerCore ?? 0) - expected) < 0.01)
        #expect(r.shardsStarted == ["0/2", "1/2"])
        let text = r.text()
        #expect(text.contains("failed (1)") && text.contains("c.png: invalid image: not a PNG"))
        #expect(text.contains("missing from every manifest (2)") && text.contains("shard-1.jsonl:4"))
        #expect(text.contains("photos/hour per core"))

        // An output that vanished after its record, and the inputs given elsewhere.
        try fm.removeItem(at: out.appendingPathComponent("a.png"))
        let r2 = try BatchReport.make(outputDirectory: out, inputs: [input])
        #expect(r2.outputGone == ["a.png"] && r2.done == 3)
        #expect(throws: FindColorError.self) { try BatchReport.make(outputDirectory: folder("empty")) }
    }
}

import FindColor
import FindColorImage
import Foundation
import GRDB
import Logging

/// The persistent project store: an SQLite database (GRDB `DatabasePool`, WAL mode) in the data
/// directory for the projects, their ordered hints and the render cache, plus the image files under
/// `<data>/projects/<id>/`:
///
///     original.<ext>                 the uploaded photo, byte for byte
///     thumbnail.jpg                  a small preview for the project list
///     reference-<digest>.<ext>       the reference photo, when set
///     region-<digest>.png            the region mask, when set
///     repair-mask-<digest>.png       the user's repair mask edits, when set
///     defects-<detector>.png         the detected defects, cached the first time they are needed
///     renders/<state>-<kind>.<ext>   cached previews and results
///
/// Files are written atomically (temporary file + rename) before the database row that names them
/// is committed, and removed only after the row that named them is gone, so the database never points
/// at a missing or half-written file, even after a crash.
final class ProjectStore: Sendable {
    let dataDirectory: URL
    let projectsDirectory: URL
    private let database: DatabasePool
    private let logger: Logger
    /// Renders being written to the disk cache after their response (`saveRenderInBackground`).
    let backgroundWrites = BackgroundWrites()

    static let databaseFileName = "findcolor.sqlite"
    static let maxNameLength = 200

    init(dataDirectory: URL, logger: Logger) throws {
        self.dataDirectory = dataDirectory.standardizedFileURL
        self.projectsDirectory = self.dataDirectory.appendingPathComponent("projects", isDirectory: true)
        self.logger = logger
        do {
            try FileManager.default.createDirectory(at: projectsDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io("cannot create the data directory \(projectsDirectory.path): \(error.localizedDescription)")
        }
        var configuration = Configuration()
        configuration.label = "FindColor"
        configuration.busyMode = .timeout(10)
        do {
            database = try DatabasePool(
                path: self.dataDirectory.appendingPathComponent(Self.databaseFileName).path,
                configuration: configuration)
            try StoreSchema.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw StoreError.database("cannot open \(Self.databaseFileName) in \(self.dataDirectory.path): \(error.description)")
        }
        try removeLeftovers()
    }

    // MARK: Paths

    func directory(of projectId: String) -> URL {
        projectsDirectory.appendingPathComponent(projectId, isDirectory: true)
    }

    func fileURL(_ projectId: String, _ fileName: String) -> URL {
        directory(of: projectId).appendingPathComponent(fileName)
    }

    func rendersDirectory(of projectId: String) -> URL {
        directory(of: projectId).appendingPathComponent("renders", isDirectory: true)
    }

    static let thumbnailFileName = "thumbnail.jpg"

    // MARK: Projects

    struct NewProject: Sendable {
        var name: String
        var original: Data
        var format: ImageFormat
        var width: Int
        var height: Int
        var thumbnail: Data
    }

    func createProject(_ new: NewProject) async throws -> ProjectSnapshot {
        let id = UUID().uuidString.lowercased()
        let directory = self.directory(of: id)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io("cannot create the project folder: \(error.localizedDescription)")
        }
        do {
            let originalFile = "original.\(new.format.fileExtension)"
            let digest = try await BlockingIO.run {
                try AtomicFile.write(new.original, to: directory.appendingPathComponent(originalFile))
                try AtomicFile.write(new.thumbnail, to: directory.appendingPathComponent(Self.thumbnailFileName))
                return ContentDigest.sha256Hex(new.original)
            }
            let now = Self.now()
            let record = ProjectRecord(
                id: id, name: Self.cleanName(new.name), width: new.width, height: new.height,
                originalFile: originalFile, originalFormat: new.format.rawValue,
                originalBytes: new.original.count, originalDigest: digest,
                createdAt: now, updatedAt: now, preset: EnsemblePreset.balanced.rawValue, transferGlobal: false,
                referenceFile: nil, referenceFormat: nil, referenceDigest: nil, referenceWidth: nil,
                referenceHeight: nil, regionDigest: nil, revision: 0)
            try await write { db in try record.insert(db) }
            return ProjectSnapshot(project: record, hints: [])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func snapshot(_ projectId: String) async throws -> ProjectSnapshot {
        try await read { db in try Self.snapshot(db, projectId) }
    }

    /// All projects, most recently changed first, with their hint counts.
    func list() async throws -> [(project: ProjectRecord, hintCount: Int)] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT project.*, (SELECT COUNT(*) FROM hint WHERE hint.projectId = project.id) AS hintCount
                FROM project ORDER BY updatedAt DESC, createdAt DESC
                """)
            return try rows.map { row in (project: try ProjectRecord(row: row), hintCount: row["hintCount"] as Int? ?? 0) }
        }
    }

    func delete(_ projectId: String) async throws {
        let deleted = try await write { db in try ProjectRecord.deleteOne(db, key: projectId) }
        guard deleted else { throw StoreError.projectNotFound(projectId) }
        do {
            try FileManager.default.removeItem(at: directory(of: projectId))
        } catch {
            logger.warning("project \(projectId) deleted, but its folder could not be removed: \(error.localizedDescription)")
        }
    }

    /// The repair settings of `updateSettings` (nil = unchanged).
    struct RepairChange: Sendable {
        var enabled: Bool? = nil
        var denoise: Double? = nil
        var fade: Bool? = nil
    }

    /// Changes the name, preset, global-transfer flag, vividness or repair settings (nil =
    /// unchanged). Settings that `ColorizeSettings.validate` or `RepairRequest.validate` refuse
    /// are not stored (`StoreError.invalid`, nothing changed).
    func updateSettings(_ projectId: String, name: String?, preset: EnsemblePreset?, transferGlobal: Bool?,
                        vividness: Double? = nil, repair: RepairChange = RepairChange()) async throws -> ProjectSnapshot {
        try await mutate(projectId) { _, project in
            if let name { project.name = Self.cleanName(name) }
            if let preset { project.preset = preset.rawValue }
            if let transferGlobal { project.transferGlobal = transferGlobal }
            if let vividness { project.vividness = vividness }
            if let enabled = repair.enabled { project.repair = enabled }
            if let denoise = repair.denoise {
                guard denoise.isFinite, (0...1).contains(denoise) else {
                    throw StoreError.invalid("repairDenoise must be a number from 0 to 1 (grain reduction strength), got \(denoise)")
                }
                project.repairDenoise = denoise
            }
            if let fade = repair.fade { project.repairFade = fade }
            do {
                try project.settings.validate()
            } catch let e as ColorizeSettings.Invalid {
                throw StoreError.invalid(e.description)
            }
        }
    }

    // MARK: Hints

    /// Appends a hint; returns its record and the new state.
    func addHint(_ projectId: String, _ hint: Hint) async throws -> (HintRecord, ProjectSnapshot) {
        let hintId = UUID().uuidString.lowercased()
        let snapshot = try await mutate(projectId) { db, _ in
            let count = try HintRecord.filter(Column("projectId") == projectId).fetchCount(db)
            guard count < HintParser.maxHints else {
                throw StoreError.invalid("the project already has \(count) hints, the most allowed")
            }
            let last = try Int.fetchOne(db, sql: "SELECT MAX(position) FROM hint WHERE projectId = ?", arguments: [projectId])
            let record = HintRecord(projectId: projectId, id: hintId, position: (last ?? -1) + 1, hint: hint)
            try record.insert(db)
        }
        guard let record = snapshot.hints.first(where: { $0.id == hintId }) else {
            throw StoreError.database("the new hint was not saved")
        }
        return (record, snapshot)
    }

    /// Replaces one hint by `change(old)`; `change` may throw to reject the edit.
    func updateHint(_ projectId: String, _ hintId: String, _ change: @escaping @Sendable (Hint) throws -> Hint) async throws -> (HintRecord, ProjectSnapshot) {
        let snapshot = try await mutate(projectId) { db, _ in
            guard var record = try HintRecord.fetchOne(db, key: ["projectId": projectId, "id": hintId]) else {
                throw StoreError.hintNotFound(hintId)
            }
            let updated = try change(record.hint)
            record = HintRecord(projectId: projectId, id: hintId, position: record.position, hint: updated)
            try record.update(db)
        }
        guard let record = snapshot.hints.first(where: { $0.id == hintId }) else {
            throw StoreError.hintNotFound(hintId)
        }
        return (record, snapshot)
    }

    func deleteHint(_ projectId: String, _ hintId: String) async throws -> ProjectSnapshot {
        try await mutate(projectId) { db, _ in
            guard try HintRecord.deleteOne(db, key: ["projectId": projectId, "id": hintId]) else {
                throw StoreError.hintNotFound(hintId)
            }
        }
    }

    /// Replaces all hints (in order). Hints without an id get a new one.
    func replaceHints(_ projectId: String, _ hints: [(id: String?, hint: Hint)]) async throws -> ProjectSnapshot {
        guard hints.count <= HintParser.maxHints else {
            throw StoreError.invalid("\(hints.count) hints; at most \(HintParser.maxHints) are allowed")
        }
        let records = hints.enumerated().map { index, item in
            HintRecord(projectId: projectId, id: item.id ?? UUID().uuidString.lowercased(), position: index, hint: item.hint)
        }
        return try await mutate(projectId) { db, _ in
            try HintRecord.filter(Column("projectId") == projectId).deleteAll(db)
            for record in records { try record.insert(db) }
        }
    }

    // MARK: Reference

    func setReference(_ projectId: String, data: Data, format: ImageFormat, width: Int, height: Int) async throws -> ProjectSnapshot {
        _ = try await snapshot(projectId)  // 404 before writing anything
        let directory = self.directory(of: projectId)
        let (digest, fileName) = try await BlockingIO.run { () -> (String, String) in
            let digest = ContentDigest.sha256Hex(data)
            let fileName = "reference-\(digest.prefix(16)).\(format.fileExtension)"
            try AtomicFile.write(data, to: directory.appendingPathComponent(fileName))
            return (digest, fileName)
        }
        let (previous, snapshot) = try await mutateReturning(projectId) { (_, project) -> String? in
            let previous = project.referenceFile
            project.referenceFile = fileName
            project.referenceFormat = format.rawValue
            project.referenceDigest = digest
            project.referenceWidth = width
            project.referenceHeight = height
            return previous
        }
        if let previous, previous != fileName { AtomicFile.remove(fileURL(projectId, previous)) }
        return snapshot
    }

    func clearReference(_ projectId: String) async throws -> ProjectSnapshot {
        let (previous, snapshot) = try await mutateReturning(projectId) { (_, project) -> String? in
            let previous = project.referenceFile
            project.referenceFile = nil
            project.referenceFormat = nil
            project.referenceDigest = nil
            project.referenceWidth = nil
            project.referenceHeight = nil
            return previous
        }
        if let previous { AtomicFile.remove(fileURL(projectId, previous)) }
        return snapshot
    }

    // MARK: Masks the user edits

    /// A mask the user edits, kept as a PNG named by its digest, which the record holds: the region
    /// (where the reference applies) and the repair mask edits (`RepairEdits.png`).
    enum EditedMask: Sendable {
        case region, repair

        var digest: WritableKeyPath<ProjectRecord, String?> {
            switch self {
            case .region: return \.regionDigest
            case .repair: return \.repairMaskDigest
            }
        }

        /// For messages: "region mask", "repair mask".
        var role: String { self == .region ? "region mask" : "repair mask" }

        func fileName(digest: String) -> String {
            "\(self == .region ? "region" : "repair-mask")-\(digest.prefix(16)).png"
        }
    }

    /// The file of the project's `mask`, or nil when it has none.
    func fileURL(_ project: ProjectRecord, _ mask: EditedMask) -> URL? {
        project[keyPath: mask.digest].map { fileURL(project.id, mask.fileName(digest: $0)) }
    }

    /// Keeps `png` (already checked) as the project's `mask`, replacing the previous one.
    func setMask(_ mask: EditedMask, of projectId: String, png: Data) async throws -> ProjectSnapshot {
        _ = try await snapshot(projectId)
        let directory = self.directory(of: projectId)
        let (digest, fileName) = try await BlockingIO.run { () -> (String, String) in
            let digest = ContentDigest.sha256Hex(png)
            let fileName = mask.fileName(digest: digest)
            try AtomicFile.write(png, to: directory.appendingPathComponent(fileName))
            return (digest, fileName)
        }
        let (previous, snapshot) = try await mutateReturning(projectId) { (_, project) -> String? in
            let previous = project[keyPath: mask.digest].map(mask.fileName(digest:))
            project[keyPath: mask.digest] = digest
            return previous
        }
        if let previous, previous != fileName { AtomicFile.remove(fileURL(projectId, previous)) }
        return snapshot
    }

    func clearMask(_ mask: EditedMask, of projectId: String) async throws -> ProjectSnapshot {
        let (previous, snapshot) = try await mutateReturning(projectId) { (_, project) -> String? in
            let previous = project[keyPath: mask.digest].map(mask.fileName(digest:))
            project[keyPath: mask.digest] = nil
            return previous
        }
        if let previous { AtomicFile.remove(fileURL(projectId, previous)) }
        return snapshot
    }

    // MARK: Render cache

    struct RenderKey: Sendable, Hashable {
        var projectId: String
        var stateHash: String
        var kind: String
        var format: String

        var fileName: String { "\(stateHash)-\(kind).\(format == "jpeg" ? "jpg" : format)" }
    }

    /// The cached render for `key`, or nil. A row whose file has disappeared is dropped.
    func cachedRender(_ key: RenderKey) async throws -> (data: Data, record: RenderRecord)? {
        let found = try await read { db in
            try RenderRecord.fetchOne(db, key: [
                "projectId": key.projectId, "stateHash": key.stateHash, "kind": key.kind, "format": key.format,
            ])
        }
        guard var record = found else { return nil }
        let url = rendersDirectory(of: key.projectId).appendingPathComponent(record.file)
        guard let data = try await BlockingIO.run({ try? Data(contentsOf: url) }) else {
            let stale = record
            _ = try await write { db in try stale.delete(db) }
            return nil
        }
        record.lastUsedAt = Self.now()
        try await touchRender(record)
        return (data, record)
    }

    /// Marks a cached render as used now. A render evicted meanwhile (another render of the
    /// project saved between this one's read and this write: the cache keeps the most recent few)
    /// is not an error: the caller already holds its bytes. (`update` threw "Key not found" there,
    /// and the request that had found the render failed.)
    func touchRender(_ record: RenderRecord) async throws {
        _ = try await write { db in
            try RenderRecord
                .filter(key: ["projectId": record.projectId, "stateHash": record.stateHash,
                              "kind": record.kind, "format": record.format])
                .updateAll(db, Column("lastUsedAt").set(to: record.lastUsedAt))
        }
    }

    /// `saveRender` in a task of its own (the response does not wait for the disk), then `done`.
    /// `finishBackgroundWrites` waits for every such write (the server, before it exits).
    func saveRenderInBackground(_ key: RenderKey, data: Data, milliseconds: Double, keep: Int,
                                done: @escaping @Sendable () -> Void) {
        backgroundWrites.start {
            await self.saveRender(key, data: data, milliseconds: milliseconds, keep: keep)
            done()
        }
    }

    /// Waits for the renders still being written to the disk cache.
    func finishBackgroundWrites() async { await backgroundWrites.waitForAll() }

    /// Saves a render under `key` and deletes the least recently used ones beyond `keep`.
    /// Does nothing (but log) when the project was deleted meanwhile.
    func saveRender(_ key: RenderKey, data: Data, milliseconds: Double, keep: Int) async {
        let directory = rendersDirectory(of: key.projectId)
        let url = directory.appendingPathComponent(key.fileName)
        do {
            guard FileManager.default.fileExists(atPath: self.directory(of: key.projectId).path) else { return }
            try await BlockingIO.run {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try AtomicFile.write(data, to: url)
            }
            let now = Self.now()
            let record = RenderRecord(
                projectId: key.projectId, stateHash: key.stateHash, kind: key.kind, format: key.format,
                file: key.fileName, bytes: data.count, milliseconds: milliseconds, createdAt: now, lastUsedAt: now)
            let evicted = try await write { db -> [String] in
                guard try ProjectRecord.exists(db, key: key.projectId) else { return [key.fileName] }
                try record.save(db)
                let old = try RenderRecord
                    .filter(Column("projectId") == key.projectId)
                    .order(Column("lastUsedAt").desc, Column.rowID.desc)
                    .limit(1_000_000, offset: max(keep, 1))
                    .fetchAll(db)
                for item in old { try item.delete(db) }
                return old.map(\.file)
            }
            for file in evicted { AtomicFile.remove(directory.appendingPathComponent(file)) }
        } catch {
            logger.warning("could not cache a render of project \(key.projectId): \(String(describing: error))")
            AtomicFile.remove(url)
        }
    }

    // MARK: Helpers

    static func snapshot(_ db: Database, _ projectId: String) throws -> ProjectSnapshot {
        guard let project = try ProjectRecord.fetchOne(db, key: projectId) else {
            throw StoreError.projectNotFound(projectId)
        }
        let hints = try HintRecord
            .filter(Column("projectId") == projectId)
            .order(Column("position"), Column("id"))
            .fetchAll(db)
        return ProjectSnapshot(project: project, hints: hints)
    }

    /// Runs `change` on the project row in a transaction, bumps its revision and returns the new state.
    private func mutate(
        _ projectId: String,
        _ change: @escaping @Sendable (Database, inout ProjectRecord) throws -> Void
    ) async throws -> ProjectSnapshot {
        try await mutateReturning(projectId) { db, project in try change(db, &project) }.snapshot
    }

    /// Like `mutate`, also returning what `change` returns (e.g. the file a change replaced).
    private func mutateReturning<R: Sendable>(
        _ projectId: String,
        _ change: @escaping @Sendable (Database, inout ProjectRecord) throws -> R
    ) async throws -> (value: R, snapshot: ProjectSnapshot) {
        try await write { db in
            guard var project = try ProjectRecord.fetchOne(db, key: projectId) else {
                throw StoreError.projectNotFound(projectId)
            }
            let value = try change(db, &project)
            project.revision += 1
            project.updatedAt = Self.now()
            try project.update(db)
            return (value, try Self.snapshot(db, projectId))
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch let error as DatabaseError {
            throw StoreError.database(error.description)
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as DatabaseError {
            throw StoreError.database(error.description)
        }
    }

    /// The current time, to the millisecond (what the database keeps).
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    static func cleanName(_ name: String) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ")
        let short = String(trimmed.prefix(maxNameLength))
        return short.isEmpty ? "Untitled photo" : short
    }

    /// Removes what an interrupted run may have left: project folders without a database row (a crash
    /// between writing the files and committing the row) and temporary files.
    private func removeLeftovers() throws {
        let known = Set(try database.read { db in try String.fetchAll(db, sql: "SELECT id FROM project") })
        let fileManager = FileManager.default
        let entries = (try? fileManager.contentsOfDirectory(atPath: projectsDirectory.path)) ?? []
        for entry in entries {
            let url = projectsDirectory.appendingPathComponent(entry)
            if AtomicFile.isTemporary(entry) {
                try? fileManager.removeItem(at: url)
                continue
            }
            guard UUID(uuidString: entry) != nil, entry == entry.lowercased() else { continue }
            if !known.contains(entry) {
                logger.info("removing the folder of an incomplete project: \(entry)")
                try? fileManager.removeItem(at: url)
                continue
            }
            for folder in [url, url.appendingPathComponent("renders")] {
                for name in (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
                where AtomicFile.isTemporary(name) {
                    try? fileManager.removeItem(at: folder.appendingPathComponent(name))
                }
            }
        }
    }
}

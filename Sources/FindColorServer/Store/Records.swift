import FindColor
import Foundation
import GRDB

/// A row of the `project` table: one photo being colourized and its settings.
struct ProjectRecord: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
    static let databaseTableName = "project"

    /// Lower-case UUID (random, so ids cannot be guessed).
    var id: String
    var name: String
    var width: Int
    var height: Int
    /// File name of the uploaded photo in the project folder, e.g. `original.jpg`.
    var originalFile: String
    /// `jpeg`, `png` or `tiff`.
    var originalFormat: String
    var originalBytes: Int
    /// SHA-256 of the uploaded bytes.
    var originalDigest: String
    var createdAt: Date
    var updatedAt: Date
    /// `fast`, `balanced` or `best`.
    var preset: String
    var transferGlobal: Bool
    /// 0…1, see `ColorizeSettings.vividness`.
    var vividness: Double = 0
    var referenceFile: String?
    var referenceFormat: String?
    var referenceDigest: String?
    var referenceWidth: Int?
    var referenceHeight: Int?
    /// SHA-256 of `region.png` when a region mask is set.
    var regionDigest: String?
    /// Incremented by every change.
    var revision: Int
    /// Repair before colour (issue 15): off by default.
    var repair: Bool = false
    /// Grain reduction strength of the repair, 0…1.
    var repairDenoise: Double = 0
    /// Fade correction of the repair.
    var repairFade: Bool = true
    /// SHA-256 of the user's repair mask edits (`repair-mask-<digest>.png`), when set.
    var repairMaskDigest: String? = nil
}

extension ProjectRecord {
    /// The project's colourization settings (checked by the store on every change,
    /// `ColorizeSettings.validate`). An unknown preset name (none is ever stored) reads as balanced.
    var settings: ColorizeSettings {
        ColorizeSettings(preset: EnsemblePreset(rawValue: preset) ?? .balanced, vividness: Float(vividness),
                         transferGlobal: transferGlobal)
    }
}

/// A row of the `hint` table: one user hint, ordered by `position` within its project.
struct HintRecord: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
    static let databaseTableName = "hint"

    var projectId: String
    var id: String
    var position: Int
    var x: Int
    var y: Int
    var size: Int
    var a: Double
    var b: Double
    /// `similar` or `local` (`Hint.Spread`).
    var spread: String = Hint.Spread.similar.rawValue

    var hint: Hint { Hint(x: x, y: y, size: size, a: Float(a), b: Float(b), spread: Hint.Spread(rawValue: spread) ?? .similar) }

    init(projectId: String, id: String, position: Int, hint: Hint) {
        self.projectId = projectId
        self.id = id
        self.position = position
        self.x = hint.x
        self.y = hint.y
        self.size = hint.size
        self.a = Double(hint.a)
        self.b = Double(hint.b)
        self.spread = hint.spread.rawValue
    }
}

/// A row of the `render` table: a rendered preview or result kept on disk, keyed by the hash of the
/// project state it was computed from.
struct RenderRecord: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
    static let databaseTableName = "render"

    var projectId: String
    var stateHash: String
    /// `preview` or `full`.
    var kind: String
    /// `png` or `jpeg`.
    var format: String
    /// File name in the project's `renders/` folder.
    var file: String
    var bytes: Int
    var milliseconds: Double
    var createdAt: Date
    var lastUsedAt: Date
}

/// The schema, as GRDB migrations (applied in order, each once).
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: projects, hints, renders") { db in
            try db.execute(sql: """
                CREATE TABLE project (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    width INTEGER NOT NULL CHECK (width > 0),
                    height INTEGER NOT NULL CHECK (height > 0),
                    originalFile TEXT NOT NULL,
                    originalFormat TEXT NOT NULL,
                    originalBytes INTEGER NOT NULL,
                    originalDigest TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL,
                    preset TEXT NOT NULL DEFAULT 'balanced',
                    transferGlobal BOOLEAN NOT NULL DEFAULT 0,
                    referenceFile TEXT,
                    referenceFormat TEXT,
                    referenceDigest TEXT,
                    referenceWidth INTEGER,
                    referenceHeight INTEGER,
                    regionDigest TEXT,
                    revision INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX project_updated ON project(updatedAt);

                CREATE TABLE hint (
                    projectId TEXT NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    id TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    x INTEGER NOT NULL,
                    y INTEGER NOT NULL,
                    size INTEGER NOT NULL CHECK (size >= 1),
                    a DOUBLE NOT NULL,
                    b DOUBLE NOT NULL,
                    PRIMARY KEY (projectId, id)
                );
                CREATE INDEX hint_order ON hint(projectId, position);

                CREATE TABLE render (
                    projectId TEXT NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    stateHash TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    format TEXT NOT NULL,
                    file TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    milliseconds DOUBLE NOT NULL,
                    createdAt DATETIME NOT NULL,
                    lastUsedAt DATETIME NOT NULL,
                    PRIMARY KEY (projectId, stateHash, kind, format)
                );
                """)
        }
        migrator.registerMigration("v2: project vividness") { db in
            try db.execute(sql: "ALTER TABLE project ADD COLUMN vividness DOUBLE NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v3: hint spread") { db in
            try db.execute(sql: "ALTER TABLE hint ADD COLUMN spread TEXT NOT NULL DEFAULT 'similar' CHECK (spread IN ('similar', 'local'))")
        }
        migrator.registerMigration("v4: repair") { db in
            try db.execute(sql: """
                ALTER TABLE project ADD COLUMN repair BOOLEAN NOT NULL DEFAULT 0;
                ALTER TABLE project ADD COLUMN repairDenoise DOUBLE NOT NULL DEFAULT 0;
                ALTER TABLE project ADD COLUMN repairFade BOOLEAN NOT NULL DEFAULT 1;
                ALTER TABLE project ADD COLUMN repairMaskDigest TEXT;
                """)
        }
        return migrator
    }
}

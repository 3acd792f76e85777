import FindColor
import Foundation

/// A hint as the API shows it: top-left corner and side of the patch in photo pixels, its colour
/// as CIE Lab a*, b*, and how far it reaches (`similar` or `local`).
struct HintDTO: Codable, Equatable, Sendable {
    var id: String
    var x: Int
    var y: Int
    var size: Int
    var ab: [Float]
    var spread: String

    init(_ record: HintRecord) {
        id = record.id
        x = record.x
        y = record.y
        size = record.size
        ab = [Float(record.a), Float(record.b)]
        spread = record.spread
    }
}

struct HintListDTO: Codable, Sendable {
    var hints: [HintDTO]
}

/// The full state of a project (`GET /api/projects/{id}` and the answer of most changes).
struct ProjectDTO: Codable, Sendable {
    struct ReferenceDTO: Codable, Sendable {
        var width: Int
        var height: Int
        var format: String
        var url: String
    }

    struct Links: Codable, Sendable {
        var original: String
        var thumbnail: String
        var preview: String
        var result: String
        var suggest: String
        var region: String?
        /// The detected defects (PNG, white = defect), computed once per photo.
        var defects: String
        /// The user's repair mask edits (PNG: white = add, gray = erase), when set.
        var repairMask: String?
    }

    var id: String
    var name: String
    var width: Int
    var height: Int
    var format: String
    var bytes: Int
    var created: Date
    var updated: Date
    var revision: Int
    var preset: String
    var transferGlobal: Bool
    var vividness: Double
    var hasReference: Bool
    var hasRegion: Bool
    /// Repair damage before colour (issue 15).
    var repair: Bool
    /// Grain reduction strength of the repair, 0…1.
    var repairDenoise: Double
    /// Fade correction of the repair.
    var repairFade: Bool
    /// True when the user has corrected the detected defect mask (`links.repairMask`).
    var hasRepairMask: Bool
    var reference: ReferenceDTO?
    var hints: [HintDTO]
    /// Hash of everything a render depends on; changes whenever the rendered picture would change.
    var stateHash: String
    var links: Links

    init(_ snapshot: ProjectSnapshot) {
        let p = snapshot.project
        let base = "/api/projects/\(p.id)"
        id = p.id
        name = p.name
        width = p.width
        height = p.height
        format = p.originalFormat
        bytes = p.originalBytes
        created = p.createdAt
        updated = p.updatedAt
        revision = p.revision
        preset = p.preset
        transferGlobal = p.transferGlobal
        vividness = p.vividness
        hasReference = p.referenceFile != nil
        hasRegion = p.regionDigest != nil
        repair = p.repair
        repairDenoise = p.repairDenoise
        repairFade = p.repairFade
        hasRepairMask = p.repairMaskDigest != nil
        if p.referenceFile != nil, let w = p.referenceWidth, let h = p.referenceHeight {
            reference = ReferenceDTO(width: w, height: h, format: p.referenceFormat ?? "", url: "\(base)/reference")
        } else {
            reference = nil
        }
        hints = snapshot.hints.map(HintDTO.init)
        stateHash = snapshot.stateHash
        links = Links(
            original: "\(base)/original", thumbnail: "\(base)/thumbnail", preview: "\(base)/preview",
            result: "\(base)/result", suggest: "\(base)/suggest",
            region: p.regionDigest != nil ? "\(base)/region" : nil,
            defects: "\(base)/repair/defects",
            repairMask: p.repairMaskDigest != nil ? "\(base)/repair/mask" : nil)
    }
}

/// One entry of the project list.
struct ProjectSummaryDTO: Codable, Sendable {
    var id: String
    var name: String
    var width: Int
    var height: Int
    var created: Date
    var updated: Date
    var preset: String
    var hintCount: Int
    var hasReference: Bool
    var thumbnail: String

    init(_ project: ProjectRecord, hintCount: Int) {
        id = project.id
        name = project.name
        width = project.width
        height = project.height
        created = project.createdAt
        updated = project.updatedAt
        preset = project.preset
        self.hintCount = hintCount
        hasReference = project.referenceFile != nil
        thumbnail = "/api/projects/\(project.id)/thumbnail"
    }
}

struct ProjectListDTO: Codable, Sendable {
    var projects: [ProjectSummaryDTO]
}

struct SuggestionsDTO: Codable, Sendable {
    var x: Int
    var y: Int
    var suggestions: [SuggestedColor]
}

struct HealthDTO: Codable, Sendable {
    struct Limits: Codable, Sendable {
        var maxUploadBytes: Int
        var maxPixels: Int
        var maxWaitingJobs: Int
        var previewShortSide: Int
        var maxConnections: Int
        var memoryBudgetBytes: Int
        var headerTimeoutSeconds: Double
        var requestBodyTimeoutSeconds: Double
        var idleTimeoutSeconds: Double
    }

    var status: String
    var model: String
    var queue: InferenceQueue.Status
    var memory: MemoryBudget.Status
    var connections: ConnectionRegistry.Status
    var limits: Limits
    var presets: [String]
}

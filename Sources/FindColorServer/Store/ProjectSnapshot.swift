import FindColor
import Foundation

/// A consistent view of one project: its row and its hints in order, read in one transaction.
struct ProjectSnapshot: Sendable, Equatable {
    var project: ProjectRecord
    var hints: [HintRecord]

    /// The hints as the colorizer takes them.
    var colorHints: [Hint] { hints.map(\.hint) }

    var hasReference: Bool { project.referenceFile != nil }

    /// True when a region mask is set and will be used (a region only applies to a reference photo).
    var usesRegion: Bool { hasReference && project.regionDigest != nil }

    /// Version of the rendering inputs; bump it when the meaning of a cached render changes.
    static let renderVersion = "findcolor-render-4"  // 3: hint spread; 4: region mask by L* (as the CLI)

    /// A digest of everything a render depends on: the photo, the hints (order matters: later hints
    /// win where they overlap), the preset, the vividness, the reference photo, the region mask and the global
    /// colour transfer and, when it is on, the repair. Equal hashes mean equal renders, so rendered files are cached under it.
    var stateHash: String {
        var text = "\(Self.renderVersion)\nphoto:\(project.originalDigest)\npreset:\(project.preset)\n"
        text += "vividness:\(Float(project.vividness).bitPattern)\n"
        if let reference = project.referenceDigest {
            text += "reference:\(reference)\ntransferGlobal:\(project.transferGlobal)\n"
            if let region = project.regionDigest { text += "region:\(region)\n" }
        }
        if project.repair {
            text += "repair:\(RepairService.detectorTag),\(Float(project.repairDenoise).bitPattern),\(project.repairFade)"
            text += ",\(project.repairMaskDigest ?? "-")\n"
        }
        for hint in hints {
            // Exact float bits, so that two different colours can never share a key.
            text += "hint:\(hint.x),\(hint.y),\(hint.size),\(Float(hint.a).bitPattern),\(Float(hint.b).bitPattern)"
            text += hint.spread == Hint.Spread.similar.rawValue ? "\n" : ",\(hint.spread)\n"
        }
        return String(ContentDigest.sha256Hex(text).prefix(32))
    }
}

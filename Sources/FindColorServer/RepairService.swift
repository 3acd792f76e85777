import FindColor
import FindColorImage
import Foundation

/// The defect detector of the repair (issue 15), loaded on first use: a server whose model folder
/// lacks `findcolor-repair-v1.safetensors` still starts and colours; only repairs are refused.
/// The detector runs in the inference queue only (one call at a time), like the colorizer.
final class RepairService: @unchecked Sendable {
    private let lock = NSLock()
    private let load: @Sendable () throws -> DefectDetector
    private var loaded: Result<DefectDetector, any Error>?

    init(load: @escaping @Sendable () throws -> DefectDetector = { try DefectDetector.bundled(precision: DefectDetector.automaticPrecision) }) {
        self.load = load
    }

    /// Joins a project's state hash and names the cached defect masks: the bundled detector's file
    /// name and a digest of its bytes, so that another detector — new weights, or new thresholds or
    /// mirror count in its metadata — means other masks, never the cached ones of the previous file.
    static let detectorTag: String = {
        let name = DefectDetector.fileName.replacingOccurrences(of: ".safetensors", with: "")
        guard let url = try? DefectDetector.bundledURL(), let data = try? Data(contentsOf: url) else { return name }
        return name + "-" + ContentDigest.sha256Hex(data).prefix(12)
            + "-halo\(RepairSettings.haloRadius)-\(RepairSettings.haloDifference)"
    }()

    func detector() throws -> DefectDetector {
        lock.lock()
        defer { lock.unlock() }
        if loaded == nil { loaded = Result { try load() } }
        do {
            return try loaded!.get()
        } catch {
            throw APIError.internalError("the defect detector is not available, so this server cannot repair photos: \(error)")
        }
    }

    /// The detected defects of a photo (1 channel, 0 or 1), as `Restorer.repair` starts from them
    /// (`Restorer.detectedDefects`: the mask the web app shows is the one that is filled).
    func detect(_ photo: PlanarImage) throws -> PlanarImage {
        do {
            return try Restorer(detector: try detector()).detectedDefects(lightness(of: photo))
        } catch let e as FindColorError {
            throw APIError.unprocessable("the photo cannot be repaired: \(e)")
        }
    }
}

/// The user's corrections of the detected defects, kept as one gray PNG of the photo's size with
/// three values: white (≥ 0.75) = repair here too ("add"), mid gray (0.25…0.75) = never repair here
/// ("erase"), black (< 0.25) = as the detector found. The server stores it normalised to exactly
/// 255, 128 and 0.
struct RepairEdits: Sendable {
    /// 1 where the user added a defect.
    var add: PlanarImage
    /// 1 where the user erased one (never repaired).
    var erase: PlanarImage

    static let addLevel: Float = 0.75
    static let eraseLevel: Float = 0.25

    /// Decodes and checks an uploaded edit mask (JPEG, PNG or TIFF; gray or colour, the channels
    /// averaged); 415 when it is not an image, 422 when its size is not the photo's.
    static func decode(_ data: Data, width: Int, height: Int, maxPixels: Int) throws -> RepairEdits {
        guard !data.isEmpty else { throw APIError.badRequest("the repair mask is empty (0 bytes)") }
        if let header = ImageHeader.size(of: data), header != (width, height) {
            throw sizeMismatch(header.width, header.height, width, height)
        }
        let image = try ImageInputs.decode(data, role: "repair mask", maxPixels: maxPixels).image
        guard image.width == width, image.height == height else {
            throw sizeMismatch(image.width, image.height, width, height)
        }
        var add = PlanarImage(width: width, height: height, channels: 1)
        var erase = add
        let n = image.planeSize, channels = image.channels
        for i in 0..<n {
            var v: Float = 0
            for c in 0..<channels { v += image.data[c * n + i] }
            v /= Float(channels)
            if v >= addLevel { add.data[i] = 1 } else if v >= eraseLevel { erase.data[i] = 1 }
        }
        return RepairEdits(add: add, erase: erase)
    }

    private static func sizeMismatch(_ w: Int, _ h: Int, _ width: Int, _ height: Int) -> APIError {
        .unprocessable("the repair mask is \(w)×\(h) but the photo is \(width)×\(height); the mask must have exactly the photo's size")
    }

    /// The normalised 8-bit gray PNG (255 add, 128 erase, 0 as detected).
    func png() throws -> Data {
        var image = PlanarImage(width: add.width, height: add.height, channels: 1)
        for i in image.data.indices {
            image.data[i] = add.data[i] > 0.5 ? 1 : erase.data[i] > 0.5 ? 128 / 255 : 0
        }
        return try ImageInputs.encode(image, as: .png)
    }

    /// The defects to repair: `detected` plus the additions, less the erasures.
    func applied(to detected: PlanarImage) -> PlanarImage {
        var mask = detected
        for i in mask.data.indices {
            if add.data[i] > 0.5 { mask.data[i] = 1 } else if erase.data[i] > 0.5 { mask.data[i] = 0 }
        }
        return mask
    }
}

/// How a colourization repairs its photo first: what the API's `repair`, `denoise` and `fade`
/// fields and a project's repair settings say.
struct RepairRequest: Sendable, Equatable {
    var denoise: Float = 0
    var fade = true

    /// 400 with the rule when a value is out of range (the same checks as `RepairSettings.validate`).
    func validate() throws {
        guard denoise.isFinite, (0...1).contains(denoise) else {
            throw APIError.badRequest("denoise must be a number from 0 to 1 (grain reduction strength), got \(denoise)")
        }
    }

    /// Repairs `photo` given its defect mask (detected, with the user's edits applied): a gray
    /// sRGB photo of the repaired L*, which the colorizer takes like any gray photo.
    func repaired(_ photo: PlanarImage, defects: PlanarImage) throws -> PlanarImage {
        var settings = RepairSettings()
        settings.detect = false
        settings.mask = defects
        settings.denoise = denoise
        settings.fade = fade
        do {
            let result = try Restorer(detector: nil).repair(lightness: lightness(of: photo), settings)
            return grayImage(lightness: result.lightness)
        } catch let FindColorError.invalidOption(message) {
            throw APIError.unprocessable("cannot repair this photo: \(message)")
        }
    }
}

/// A project's repair, resolved from its snapshot: the files it reads and its settings (captured
/// by value into the queue job).
struct ProjectRepair: Sendable {
    let service: RepairService
    let request: RepairRequest
    let photoDigest: String
    let width: Int
    let height: Int
    /// The cached detected mask (a PNG, 0 or 255), written the first time it is computed.
    let defectsURL: URL
    let editsURL: URL?
    let editsDigest: String?

    static func defectsFileName() -> String { "defects-\(RepairService.detectorTag).png" }

    init(snapshot: ProjectSnapshot, store: ProjectStore, service: RepairService) {
        let project = snapshot.project
        self.service = service
        request = RepairRequest(denoise: Float(project.repairDenoise), fade: project.repairFade)
        photoDigest = project.originalDigest
        width = project.width
        height = project.height
        defectsURL = store.fileURL(project.id, Self.defectsFileName())
        editsDigest = project.repairMaskDigest
        editsURL = store.fileURL(project, .repair)
    }

    /// The detected defects (1 channel, 0 or 1): from the memory cache, the project's cached PNG,
    /// or the detector (then saved beside the photo, so it is computed once per photo).
    func defects(_ photo: PlanarImage, images: DecodedImageCache, maxPixels: Int) throws -> PlanarImage {
        try images.cached("defects:\(RepairService.detectorTag):\(photoDigest)") {
            if let data = try? Data(contentsOf: defectsURL),
               let decoded = try? ImageCodec.decode(data, limits: DecodeLimits(maxPixels: maxPixels)).image,
               decoded.width == width, decoded.height == height, decoded.channels == 1 {
                var mask = decoded
                for i in mask.data.indices { mask.data[i] = mask.data[i] > 0.5 ? 1 : 0 }
                return mask
            }
            let mask = try service.detect(photo)
            // A cache: a project deleted meanwhile (its folder gone) just does not keep it.
            if let png = try? ImageInputs.encode(mask, as: .png) { try? AtomicFile.write(png, to: defectsURL) }
            return mask
        }
    }

    /// The detected defects as the PNG the API serves (white = defect).
    func defectsPNG(_ photo: () throws -> PlanarImage, images: DecodedImageCache, maxPixels: Int) throws -> Data {
        if let data = try? Data(contentsOf: defectsURL), ImageHeader.size(of: data).map({ $0 == (width, height) }) == true {
            return data
        }
        let mask = try defects(try photo(), images: images, maxPixels: maxPixels)
        if let data = try? Data(contentsOf: defectsURL) { return data }
        return try ImageInputs.encode(mask, as: .png)
    }

    /// Everything the repaired photo depends on: the key of it, and of what is derived from it, in
    /// the decoded-image cache.
    var cacheKey: String {
        "repaired:\(RepairService.detectorTag):\(photoDigest):\(editsDigest ?? "-"):\(request.denoise.bitPattern):\(request.fade)"
    }

    /// The user's edits, or nil when there are none.
    func edits(maxPixels: Int) throws -> RepairEdits? {
        guard let editsURL else { return nil }
        guard let data = try? Data(contentsOf: editsURL) else {
            throw APIError(.conflict, "the project changed while this render was waiting; request it again")
        }
        return try RepairEdits.decode(data, width: width, height: height, maxPixels: maxPixels)
    }

    /// The photo as the colorizer gets it: repaired (gray), cached in memory by everything it
    /// depends on, so a preview after each hint does not repair again.
    func repairedPhoto(_ photo: PlanarImage, images: DecodedImageCache, maxPixels: Int) throws -> PlanarImage {
        try images.cached(cacheKey) {
            var mask = try defects(photo, images: images, maxPixels: maxPixels)
            if let edits = try edits(maxPixels: maxPixels) { mask = edits.applied(to: mask) }
            return try request.repaired(photo, defects: mask)
        }
    }
}

extension MemoryCost {
    /// Bytes of a repair before colour: the L* plane, the mask, the inpainting's and the grain
    /// reduction's planes at full resolution, and the detector's tiles (a few 600² windows of up to
    /// 64 channels).
    static func repair(width: Int, height: Int) -> Int {
        jobOverheadBytes + width * height * 48 + 96 << 20
    }
}

import FindColor
import FindColorImage
import Foundation
import HTTPTypes

/// Renders a project's current state (preview or full resolution) and answers colour suggestions.
/// Renders are cached on disk under the hash of the state, so downloading the same result twice, or
/// undoing back to a state seen before, does not run the network again.
struct ProjectRenderer: Sendable {
    enum Kind: String, Sendable {
        case preview
        case full
    }

    struct Rendered: Sendable {
        var data: Data
        var format: ImageOutput
        var stateHash: String
        var cached: Bool
        var milliseconds: Double
    }

    let store: ProjectStore
    let work: WorkAdmission
    let engine: any ColorizationEngine
    let images: DecodedImageCache
    let limits: ServerLimits
    /// Joins the state hash in the cache key (not in the state hash the API shows): a render made
    /// with another model file is never served.
    var modelTag: String = ""
    /// The defect detector, for projects whose repair is on.
    var repair = RepairService()
    /// Renders answered but not yet in the disk cache (written after the response).
    let unwritten = UnwrittenRenders()

    /// Renders `snapshot` (the project as its route loaded it, `ProjectLoader`).
    func render(_ snapshot: ProjectSnapshot, kind: Kind, format: ImageOutput) async throws -> Rendered {
        let projectId = snapshot.project.id
        if kind == .full { try format.checkCanEncode(width: snapshot.project.width, height: snapshot.project.height) }
        let key = ProjectStore.RenderKey(
            projectId: projectId, stateHash: modelTag.isEmpty ? snapshot.stateHash : "\(snapshot.stateHash)-\(modelTag)",
            kind: kind.rawValue, format: format.rawValue)
        if let pending = unwritten[key] {
            return Rendered(data: pending.data, format: format, stateHash: snapshot.stateHash, cached: true,
                            milliseconds: pending.milliseconds)
        }
        if let cached = try await store.cachedRender(key) {
            return Rendered(data: cached.data, format: format, stateHash: snapshot.stateHash, cached: true,
                            milliseconds: cached.record.milliseconds)
        }
        let inputs = RenderInputs(snapshot: snapshot, store: store, repair: repair)
        let (engine, images, limits) = (self.engine, self.images, self.limits)
        let project = snapshot.project
        var cost: Int
        switch kind {
        case .preview:
            cost = MemoryCost.preview(width: project.width, height: project.height, shortSide: limits.previewShortSide,
                                      reference: inputs.referenceSize, region: inputs.regionURL != nil)
        case .full:
            cost = MemoryCost.colorize(width: project.width, height: project.height, ensemble: snapshot.project.settings.ensemble,
                                       reference: inputs.referenceSize, region: inputs.regionURL != nil)
        }
        if inputs.repair != nil { cost += MemoryCost.repair(width: project.width, height: project.height) }
        let what = "rendering this \(project.width)×\(project.height) photo"
        let (data, milliseconds) = try await work.run(cost: cost, what: what) { () -> (Data, Double) in
            let start = DispatchTime.now().uptimeNanoseconds
            let photo = inputs.colourInput(images, limits)
            let request = try inputs.request(images, limits)
            let data: Data
            switch kind {
            case .preview:
                data = try ImageInputs.encode(try engine.colorizePreview(photo, request, shortSide: limits.previewShortSide),
                                              as: format, fast: true)
            case .full:
                data = try ImageInputs.encode(try engine.colorizeFull8(photo, request), as: format, fast: true)
            }
            return (data, Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        // Into the disk cache after the response (the file's fsync and the database write were
        // ~10 ms of every render's latency); until it is written the render is served from memory.
        unwritten[key] = (data, milliseconds)
        let unwritten = self.unwritten
        store.saveRenderInBackground(key, data: data, milliseconds: milliseconds, keep: limits.cachedRendersPerProject) {
            unwritten[key] = nil
        }
        return Rendered(data: data, format: format, stateHash: snapshot.stateHash, cached: false, milliseconds: milliseconds)
    }

    /// The detected defects of the project's photo as a PNG (white = defect), computed once and
    /// kept in the project folder.
    func defectsPNG(_ snapshot: ProjectSnapshot) async throws -> Data {
        let project = snapshot.project
        let projectRepair = ProjectRepair(snapshot: snapshot, store: store, service: repair)
        if let data = try await BlockingIO.run({ try? Data(contentsOf: projectRepair.defectsURL) }),
           ImageHeader.size(of: data).map({ $0 == (project.width, project.height) }) == true {
            return data
        }
        let inputs = RenderInputs(snapshot: snapshot, store: store, repair: repair)
        let (images, limits) = (self.images, self.limits)
        let cost = MemoryCost.decode(width: project.width, height: project.height)
            + MemoryCost.repair(width: project.width, height: project.height)
        return try await work.run(cost: cost, what: "finding the defects of this \(project.width)×\(project.height) photo") {
            try projectRepair.defectsPNG({ try inputs.photo(images, limits) }, images: images, maxPixels: limits.maxPixels)
        }
    }

    /// The `topK` most plausible colours at pixel (x, y), given the project's hints.
    func suggest(_ snapshot: ProjectSnapshot, x: Int, y: Int, topK: Int) async throws -> [SuggestedColor] {
        guard (0..<snapshot.project.width).contains(x), (0..<snapshot.project.height).contains(y) else {
            throw APIError.unprocessable(
                "the point (\(x), \(y)) is outside the \(snapshot.project.width)×\(snapshot.project.height) photo")
        }
        let inputs = RenderInputs(snapshot: snapshot, store: store, repair: nil)
        let (engine, images, limits) = (self.engine, self.images, self.limits)
        let cost = MemoryCost.preview(width: snapshot.project.width, height: snapshot.project.height,
                                      shortSide: MemoryCost.workingShortSide, reference: nil, region: false)
        return try await work.run(cost: cost, what: "suggesting colours") {
            let image = try inputs.photo(images, limits)
            return try engine.suggestColors(image, x: x, y: y, hints: snapshot.colorHints, topK: topK)
        }
    }

    /// A stored image (original photo or reference) as PNG, for browsers that cannot show its format.
    func pngVersion(of url: URL, digest: String, role: String, width: Int, height: Int) async throws -> Data {
        let (images, limits) = (self.images, self.limits)
        return try await work.run(cost: MemoryCost.decode(width: width, height: height) + width * height * 3, what: "converting the \(role)") {
            let image = try images.image(at: url, digest: digest, role: role, maxPixels: limits.maxPixels)
            return try ImageInputs.encode(image, as: .png)
        }
    }
}

/// The files a render reads, resolved from a snapshot (captured by value into the queue job).
private struct RenderInputs: Sendable {
    let snapshot: ProjectSnapshot
    let photoURL: URL
    let referenceURL: URL?
    let regionURL: URL?
    /// Width and height of the reference photo, when there is one.
    let referenceSize: (width: Int, height: Int)?
    /// The repair before colour, when the project's is on.
    let repair: ProjectRepair?

    init(snapshot: ProjectSnapshot, store: ProjectStore, repair service: RepairService?) {
        let project = snapshot.project
        self.snapshot = snapshot
        repair = project.repair ? service.map { ProjectRepair(snapshot: snapshot, store: store, service: $0) } : nil
        photoURL = store.fileURL(project.id, project.originalFile)
        referenceURL = project.referenceFile.map { store.fileURL(project.id, $0) }
        if project.referenceFile != nil, let width = project.referenceWidth, let height = project.referenceHeight {
            referenceSize = (width, height)
        } else if project.referenceFile != nil {
            referenceSize = (project.width, project.height)
        } else {
            referenceSize = nil
        }
        regionURL = snapshot.usesRegion ? store.fileURL(project, .region) : nil
    }

    func photo(_ images: DecodedImageCache, _ limits: ServerLimits) throws -> PlanarImage {
        try images.image(at: photoURL, digest: snapshot.project.originalDigest, role: "photo", maxPixels: limits.maxPixels)
    }

    /// The photo the colorizer gets: the original, or its repaired version when the repair is on,
    /// with its L* planes cached (decoded, repaired and converted only when the cache lacks them).
    func colourInput(_ images: DecodedImageCache, _ limits: ServerLimits) -> RenderPhoto {
        let project = snapshot.project
        guard let repair else {
            // The render needs the photo's L* alone: a colour upload is decoded to L* directly.
            return RenderPhoto(width: project.width, height: project.height, key: project.originalDigest, images: images,
                               image: { try photo(images, limits) },
                               lightness: { [photoURL] in
                                   try images.lightness(at: photoURL, digest: project.originalDigest, role: "photo", maxPixels: limits.maxPixels)
                               })
        }
        return RenderPhoto(width: project.width, height: project.height, key: repair.cacheKey, images: images) {
            try repair.repairedPhoto(try photo(images, limits), images: images, maxPixels: limits.maxPixels)
        }
    }

    func request(_ images: DecodedImageCache, _ limits: ServerLimits) throws -> ColorizeRequest {
        var request = ColorizeRequest(settings: snapshot.project.settings)
        request.hints = snapshot.colorHints
        // The project keeps its global-transfer choice without a reference; it applies only with one.
        request.settings.transferGlobal = snapshot.project.transferGlobal && snapshot.hasReference
        if let referenceURL, let digest = snapshot.project.referenceDigest {
            request.reference = try changedWhileRendering {
                try images.image(at: referenceURL, digest: digest, role: "reference photo", maxPixels: limits.maxPixels)
            }
            if let regionURL {
                let region = try changedWhileRendering {
                    guard let data = try? Data(contentsOf: regionURL) else {
                        throw StoreError.fileMissing("the region mask")
                    }
                    return try ImageInputs.decodeMask(
                        data, width: snapshot.project.width, height: snapshot.project.height, maxPixels: limits.maxPixels)
                }
                if region.data.contains(where: { $0 > 0.5 }) {
                    request.region = region
                } else {
                    // An empty region: the reference applies nowhere, the picture follows the hints only.
                    request.reference = nil
                    request.settings.transferGlobal = false
                }
            }
        }
        return request
    }

    /// A reference or region file can disappear when the user replaces it while a render waits in
    /// the queue; that is a conflict with a newer state, not a damaged store.
    private func changedWhileRendering<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch StoreError.fileMissing(_) {
            throw APIError(.conflict, "the project changed while this render was waiting; request it again")
        }
    }
}

/// Renders on their way to the disk cache: a request for the same render finds them here until
/// `ProjectStore.saveRender` has written them (a few milliseconds after the response).
final class UnwrittenRenders: @unchecked Sendable {
    private let lock = NSLock()
    private var renders: [ProjectStore.RenderKey: (data: Data, milliseconds: Double)] = [:]

    subscript(key: ProjectStore.RenderKey) -> (data: Data, milliseconds: Double)? {
        get { lock.withLock { renders[key] } }
        set { lock.withLock { renders[key] = newValue } }
    }

    /// How many are waiting to be written.
    var count: Int { lock.withLock { renders.count } }
}

/// Tasks started and not yet finished, so that someone can wait for all of them (the disk-cache
/// writes that follow responses; `ProjectStore.finishBackgroundWrites`).
final class BackgroundWrites: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [UInt64: Task<Void, Never>] = [:]
    private var next: UInt64 = 0

    /// Runs `work` in a new task, tracked until it ends.
    func start(_ work: @escaping @Sendable () async -> Void) {
        lock.withLock {
            let id = next
            next += 1
            // Registered under the lock: the task's own removal waits for it.
            tasks[id] = Task { [weak self] in
                await work()
                self?.finished(id)
            }
        }
    }

    private func finished(_ id: UInt64) { lock.withLock { _ = tasks.removeValue(forKey: id) } }

    /// How many are running.
    var count: Int { lock.withLock { tasks.count } }

    /// Returns when every task started before or during the wait has ended.
    func waitForAll() async {
        while true {
            let running = lock.withLock { Array(tasks.values) }
            if running.isEmpty { return }
            for task in running { await task.value }
        }
    }
}

import Foundation
import Hummingbird

typealias AppContext = BasicRequestContext
typealias AppRouter = Router<AppContext>

/// Everything the routes share: the store, the inference queue and the colorizer behind it, the
/// decoded-image cache and the limits.
struct ServerServices: Sendable {
    let store: ProjectStore
    let queue: InferenceQueue
    let engine: any ColorizationEngine
    let images: DecodedImageCache
    let limits: ServerLimits
    /// A short digest of the model, part of every render's cache key.
    let modelTag: String

    init(store: ProjectStore, queue: InferenceQueue, engine: any ColorizationEngine, limits: ServerLimits) {
        self.store = store
        self.queue = queue
        self.engine = engine
        self.limits = limits
        self.images = DecodedImageCache(budgetSamples: limits.imageCacheSamples)
        self.modelTag = String(SHA256.hex(engine.modelIdentity()).prefix(12))
    }

    var renderer: ProjectRenderer {
        ProjectRenderer(store: store, queue: queue, engine: engine, images: images, limits: limits, modelTag: modelTag)
    }

    /// The project id of the route's `{id}` parameter, normalised; an id that is not a UUID cannot
    /// name a project, so it is answered 404 like an unknown one.
    static func projectId(_ context: AppContext) throws -> String {
        let raw = context.parameters.get("id") ?? ""
        guard let uuid = UUID(uuidString: raw) else { throw StoreError.projectNotFound(raw) }
        return uuid.uuidString.lowercased()
    }

    /// The hint id of the route's `{hintId}` parameter.
    static func hintId(_ context: AppContext) throws -> String {
        let raw = context.parameters.get("hintId") ?? ""
        guard let uuid = UUID(uuidString: raw) else { throw StoreError.hintNotFound(raw) }
        return uuid.uuidString.lowercased()
    }
}

import FindColor
import Foundation
import Hummingbird

/// The request context of every route: Hummingbird's core storage, plus the project of a
/// `/api/projects/{id}/…` route, which `ProjectLoader` reads once per request before its handler runs.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `ProjectLoader` for the routes of the project group (nil elsewhere).
    var project: ProjectSnapshot?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The route's project, as `ProjectLoader` read it at the start of the request.
    func loadedProject() throws -> ProjectSnapshot {
        guard let project else { throw APIError.internalError("internal error: the route's project was not loaded") }
        return project
    }
}

typealias AppRouter = Router<AppContext>
/// The routes under `/api/projects/{id}`, behind `ProjectLoader`.
typealias ProjectRouterGroup = RouterGroup<AppContext>

/// Middleware of the project group (`/api/projects/{id}/…`): reads the project named by `{id}` once
/// (404 for an unknown id or one that is not a UUID) and hands it to the handler in
/// `AppContext.project`. Handlers that change the project do so through the store by id, which
/// re-reads the row inside its transaction.
struct ProjectLoader: RouterMiddleware {
    typealias Context = AppContext
    let store: ProjectStore

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        context.project = try await store.snapshot(try ServerServices.projectId(context))
        return try await next(request, context)
    }
}

/// Everything the routes share: the store, the inference queue and the colorizer behind it, the
/// decoded-image cache, the memory budget, the open connections and the limits.
struct ServerServices: Sendable {
    let store: ProjectStore
    let queue: InferenceQueue
    let engine: any ColorizationEngine
    let images: DecodedImageCache
    let limits: ServerLimits
    let memory: MemoryBudget
    let connections: ConnectionRegistry
    /// A short digest of the model, part of every render's cache key.
    let modelTag: String
    /// The defect detector of repairs, loaded on first use.
    let repair: RepairService

    init(store: ProjectStore, queue: InferenceQueue, engine: any ColorizationEngine, limits: ServerLimits,
         connections: ConnectionRegistry? = nil, repair: RepairService = RepairService()) {
        self.store = store
        self.repair = repair
        self.queue = queue
        self.engine = engine
        self.limits = limits
        // The decoded-image cache is part of the fixed use of the budget: at most an eighth of it.
        let cacheSamples = max(0, min(limits.imageCacheSamples, limits.memoryBudgetBytes / 8 / MemoryLayout<Float>.size))
        self.images = DecodedImageCache(budgetSamples: cacheSamples)
        self.memory = MemoryBudget(
            budget: limits.memoryBudgetBytes,
            fixed: MemoryCost.serverBaseBytes + MemoryCost.passCacheBytes + (engine.keepsEncodings ? MemoryCost.encodingCacheBytes : 0)
                + cacheSamples * MemoryLayout<Float>.size)
        self.connections = connections ?? ConnectionRegistry(maxConnections: limits.maxConnections)
        self.modelTag = String(ContentDigest.sha256Hex(engine.modelIdentity()).prefix(12))
    }

    var work: WorkAdmission { WorkAdmission(queue: queue, memory: memory) }

    var renderer: ProjectRenderer {
        ProjectRenderer(store: store, work: work, engine: engine, images: images, limits: limits, modelTag: modelTag,
                        repair: repair)
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

/// Admission of heavy work: a job first reserves its estimated memory (`MemoryCost`) from the
/// budget, then takes its place in the inference queue; either refuses at once when full. The
/// reservation lasts until the job has finished.
struct WorkAdmission: Sendable {
    let queue: InferenceQueue
    let memory: MemoryBudget

    func run<T: Sendable>(cost: Int, what: String, _ job: @escaping @Sendable () throws -> T) async throws -> T {
        let queue = self.queue
        let reservation = try memory.reserve(cost, for: what, retryAfterSeconds: queue.suggestedRetryAfterSeconds)
        defer { reservation.release() }
        return try await queue.run(job)
    }
}

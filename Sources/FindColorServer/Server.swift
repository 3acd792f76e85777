import FindColor
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Builds the FindColor HTTP server: the JSON API, the web UI and the project store in
/// `dataDirectory` (created if needed). Binds to `host:port`, localhost by default: the server has no
/// authentication, so expose it to a network only behind something that adds it. `access` names
/// the extra host names and page origins it accepts (see `AccessPolicy`).
///
/// Tests run the returned application with HummingbirdTesting (`app.test(.router) { client in ... }`).
public func buildApplication(
    host: String = "127.0.0.1",
    port: Int = 8080,
    dataDirectory: URL,
    colorizer: Colorizer,
    limits: ServerLimits = .default,
    access: AccessPolicy = .default,
    logger: Logger? = nil
) throws -> Application<RouterResponder<AppContext>> {
    try buildApplication(host: host, port: port, dataDirectory: dataDirectory, colorizer: colorizer, limits: limits,
                         access: access, logger: logger, store: nil)
}

/// The same, on a store the caller keeps (`runServer` waits for its background writes at the end).
func buildApplication(
    host: String, port: Int, dataDirectory: URL, colorizer: Colorizer, limits: ServerLimits,
    access: AccessPolicy, logger: Logger?, store: ProjectStore?, queue: InferenceQueue? = nil
) throws -> Application<RouterResponder<AppContext>> {
    // A hint change renders the preview, then the full result: the second reuses the first's pass.
    if colorizer.passCache == nil {
        colorizer.passCache = PassCache(maxBytes: MemoryCost.passCacheBytes,
                                        encodingBytes: colorizer.network.encoderSeesHints ? 0 : MemoryCost.encodingCacheBytes)
    }
    return try buildApplication(
        host: host, port: port, dataDirectory: dataDirectory, engine: colorizer,
        queue: queue, limits: limits, access: access, logger: logger, store: store)
}

/// Runs the server until SIGINT or SIGTERM (then finishes the requests in flight and returns).
/// This is what `findcolor serve` calls. Raises the process's open-file limit to its hard limit,
/// and lowers `limits.maxConnections` (with a warning) when even that cannot hold them. `queue`:
/// the inference queue to use (one whose worker already loaded `colorizer`), else a new one.
public func runServer(
    host: String = "127.0.0.1",
    port: Int = 8080,
    dataDirectory: URL,
    colorizer: Colorizer,
    limits: ServerLimits = .default,
    access: AccessPolicy = .default,
    queue: InferenceQueue? = nil
) async throws {
    var limits = limits
    let fileLimit = FileDescriptorLimit.raiseToHard()
    // Descriptors besides connections: the database, the model, photos being read, the listener.
    let reserve = 64
    if let fileLimit, limits.maxConnections + reserve > fileLimit {
        let lowered = max(fileLimit - reserve, 1)
        FileHandle.standardError.write(Data(
            "warning: the open-file limit is \(fileLimit); serving at most \(lowered) connections instead of \(limits.maxConnections)\n".utf8))
        limits.maxConnections = lowered
    }
    try limits.validate()
    try access.validate()
    let store = try ProjectStore(dataDirectory: dataDirectory, logger: serverLogger())
    let app = try buildApplication(
        host: host, port: port, dataDirectory: dataDirectory, colorizer: colorizer, limits: limits, access: access,
        logger: nil, store: store, queue: queue)
    try await app.runService()
    // Renders answered just before the stop are still on their way to the disk cache.
    await store.finishBackgroundWrites()
}

/// The server's logger (`LOG_LEVEL` from the environment, info by default).
func serverLogger() -> Logger {
    var logger = Logger(label: "findcolor.server")
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}

/// The process's limit on open files (`RLIMIT_NOFILE`).
enum FileDescriptorLimit {
    /// Raises the soft limit to the hard limit; returns the soft limit in force afterwards.
    @discardableResult
    static func raiseToHard() -> Int? {
        var limit = rlimit()
        guard getrlimit(resourceNoFile, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resourceNoFile, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    #if os(Linux)
    private static let resourceNoFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceNoFile = RLIMIT_NOFILE
    #endif
}

/// The implementation behind `buildApplication`, with the colorizer behind a protocol and an
/// optional shared queue, so that tests can substitute both (and the defect detector's loader).
func buildApplication(
    host: String,
    port: Int,
    dataDirectory: URL,
    engine: any ColorizationEngine,
    queue: InferenceQueue?,
    limits: ServerLimits,
    access: AccessPolicy = .default,
    logger: Logger?,
    repair: RepairService = RepairService(),
    store: ProjectStore? = nil
) throws -> Application<RouterResponder<AppContext>> {
    let logger = logger ?? serverLogger()
    let store = try store ?? ProjectStore(dataDirectory: dataDirectory, logger: logger)
    let services = ServerServices(
        store: store,
        queue: queue ?? InferenceQueue(maxWaiting: limits.maxWaitingJobs),
        engine: engine,
        limits: limits,
        repair: repair)
    let router = buildRouter(services: services, assets: try StaticAssets.load(), access: access, boundHost: host)
    let dataPath = store.dataDirectory.path
    return Application(
        router: router,
        server: GuardedHTTP1Channel.builder(registry: services.connections, limits: limits),
        configuration: ApplicationConfiguration(
            address: .hostname(host, port: port), serverName: "FindColor", backlog: limits.listenBacklog),
        onServerRunning: { channel in
            let actualPort = channel.localAddress?.port ?? port
            let shownHost = host.contains(":") ? "[\(host)]" : host
            print("FindColor is running at http://\(shownHost):\(actualPort)/ (data: \(dataPath))")
            fflush(stdout)
        },
        logger: logger)
}

/// All routes, behind the JSON error middleware; those of one project (`/api/projects/{id}/…`) in
/// a route group whose `ProjectLoader` reads the project once per request.
func buildRouter(services: ServerServices, assets: StaticAssets, access: AccessPolicy = .default, boundHost: String = "127.0.0.1") -> AppRouter {
    let router = AppRouter(context: AppContext.self)
    router.add(middleware: ErrorMiddleware<AppContext>(limits: services.limits))
    router.add(middleware: AccessMiddleware<AppContext>(policy: access, boundHost: boundHost))
    router.add(middleware: BodyAdmissionMiddleware<AppContext>(
        memory: services.memory, queue: services.queue, maxUploadBytes: services.limits.maxUploadBytes))
    HealthRoutes.register(on: router, services: services)
    ColorizeRoutes.register(on: router, services: services)
    let project = router.group("/api/projects/{id}").add(middleware: ProjectLoader(store: services.store))
    ProjectRoutes.register(on: router, project: project, services: services)
    HintRoutes.register(on: project, services: services)
    ReferenceRoutes.register(on: project, services: services)
    RenderRoutes.register(on: project, services: services)
    RepairRoutes.register(on: project, services: services)
    StaticRoutes.register(on: router, assets: assets)
    return router
}

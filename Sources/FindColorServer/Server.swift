import FindColor
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Builds the FindColor HTTP server: the JSON API, the web UI and the project store in
/// `dataDirectory` (created if needed). Binds to `host:port`, localhost by default: the server has no
/// authentication, so expose it to a network only behind something that adds it.
///
/// Tests run the returned application with HummingbirdTesting (`app.test(.router) { client in ... }`).
public func buildApplication(
    host: String = "127.0.0.1",
    port: Int = 8080,
    dataDirectory: URL,
    colorizer: Colorizer,
    limits: ServerLimits = .default,
    logger: Logger? = nil
) throws -> Application<RouterResponder<BasicRequestContext>> {
    try buildApplication(
        host: host, port: port, dataDirectory: dataDirectory, engine: colorizer,
        queue: nil, limits: limits, logger: logger)
}

/// Runs the server until SIGINT or SIGTERM (then finishes the requests in flight and returns).
/// This is what `findcolor serve` calls.
public func runServer(
    host: String = "127.0.0.1",
    port: Int = 8080,
    dataDirectory: URL,
    colorizer: Colorizer,
    limits: ServerLimits = .default
) async throws {
    let app = try buildApplication(host: host, port: port, dataDirectory: dataDirectory, colorizer: colorizer, limits: limits)
    try await app.runService()
}

/// The implementation behind `buildApplication`, with the colorizer behind a protocol and an
/// optional shared queue, so that tests can substitute both.
func buildApplication(
    host: String,
    port: Int,
    dataDirectory: URL,
    engine: any ColorizationEngine,
    queue: InferenceQueue?,
    limits: ServerLimits,
    logger: Logger?
) throws -> Application<RouterResponder<BasicRequestContext>> {
    let logger = logger ?? {
        var logger = Logger(label: "findcolor.server")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }()
    let store = try ProjectStore(dataDirectory: dataDirectory, logger: logger)
    let services = ServerServices(
        store: store,
        queue: queue ?? InferenceQueue(maxWaiting: limits.maxWaitingJobs),
        engine: engine,
        limits: limits)
    let router = buildRouter(services: services, assets: try StaticAssets.load())
    let dataPath = store.dataDirectory.path
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "FindColor"),
        onServerRunning: { channel in
            let actualPort = channel.localAddress?.port ?? port
            let shownHost = host.contains(":") ? "[\(host)]" : host
            print("FindColor is running at http://\(shownHost):\(actualPort)/ (data: \(dataPath))")
            fflush(stdout)
        },
        logger: logger)
}

/// All routes, behind the JSON error middleware.
func buildRouter(services: ServerServices, assets: StaticAssets) -> AppRouter {
    let router = AppRouter(context: AppContext.self)
    router.add(middleware: ErrorMiddleware<AppContext>(limits: services.limits))
    HealthRoutes.register(on: router, services: services)
    ColorizeRoutes.register(on: router, services: services)
    ProjectRoutes.register(on: router, services: services)
    HintRoutes.register(on: router, services: services)
    ReferenceRoutes.register(on: router, services: services)
    RenderRoutes.register(on: router, services: services)
    StaticRoutes.register(on: router, assets: assets)
    return router
}

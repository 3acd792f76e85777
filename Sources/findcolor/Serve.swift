import ArgumentParser
import FindColor
import FindColorServer
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the web app and HTTP API (http://127.0.0.1:8080 by default).")

    @Option(help: "Address to bind (default: localhost only).") var host: String = "127.0.0.1"
    @Option(help: "Port.") var port: Int = 8080
    @Option(help: "Folder for projects (SQLite database and images).") var data: String = "findcolor-data"
    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .customLong("allow-host"), help: ArgumentHelp(
        "Also answer to this host name (repeatable). By default only localhost, 127.0.0.1, ::1 and the --host address.",
        valueName: "name"))
    var allowHosts: [String] = []
    @Option(name: .customLong("allow-origin"), help: ArgumentHelp(
        "Also accept changes from pages of this origin, e.g. http://localhost:3000 (repeatable).",
        valueName: "origin"))
    var allowOrigins: [String] = []
    @Option(help: ArgumentHelp(
        "Memory the server's work may use at once, e.g. 8G or 4096M (default: half of this machine's memory).",
        valueName: "size"))
    var memoryBudget: String?
    @Option(help: "Most open connections; at the cap the longest-idle connection is closed for a new one.")
    var maxConnections: Int = ServerLimits.default.maxConnections
    @Option(help: ArgumentHelp("Seconds a client may take to send a request's headers.", valueName: "seconds"))
    var headerTimeout: Double = 10
    @Option(help: ArgumentHelp("Seconds a client may take to send a request's body.", valueName: "seconds"))
    var bodyTimeout: Double = 120
    @Option(help: ArgumentHelp("Seconds an idle kept-alive connection stays open.", valueName: "seconds"))
    var idleTimeout: Double = 30

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1…65535") }
        for (name, value) in [("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--idle-timeout", idleTimeout)] {
            guard value.isFinite, value > 0, value <= 86_400 else { throw ValidationError("\(name) must be a number of seconds in (0, 86400]") }
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        do {
            try limits().validate()
            try access.validate()
        } catch {
            throw ValidationError(String(describing: error))
        }
    }

    var access: AccessPolicy { AccessPolicy(allowedHosts: allowHosts, allowedOrigins: allowOrigins) }

    func limits() throws -> ServerLimits {
        var limits = ServerLimits.default
        if let memoryBudget {
            guard let bytes = ServerLimits.parseBytes(memoryBudget) else {
                throw ValidationError("--memory-budget must be a size such as 8G, 512M or a number of bytes, not \"\(memoryBudget)\"")
            }
            limits.memoryBudgetBytes = bytes
        }
        limits.maxConnections = maxConnections
        limits.headerTimeout = .milliseconds(Int64(headerTimeout * 1000))
        limits.requestBodyTimeout = .milliseconds(Int64(bodyTimeout * 1000))
        limits.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        return limits
    }

    func run() async throws {
        let limits = try limits()
        // The model loads on the inference queue's thread, the one that will run it: the compute
        // library then keeps one thread team, whose threads spin briefly between layers instead of
        // yielding as libgomp's threads do when it manages more threads than there are cores.
        let queue = InferenceQueue(maxWaiting: limits.maxWaitingJobs)
        let options = modelOptions
        let colorizer = try await queue.prepare { try options.load() }
        let dir = URL(fileURLWithPath: data)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try await runServer(host: host, port: port, dataDirectory: dir, colorizer: colorizer, limits: limits, access: access,
                            queue: queue)
    }
}

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

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1…65535") }
    }

    func run() async throws {
        let colorizer = try modelOptions.load()
        let dir = URL(fileURLWithPath: data)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try await runServer(host: host, port: port, dataDirectory: dir, colorizer: colorizer)
    }
}

import FindColor
import Foundation

/// The web UI and the OpenAPI document: the files of `Public/` (a resource of this module), loaded
/// into memory once at startup and served by exact path. Nothing is fetched from the internet.
struct StaticAssets: Sendable {
    struct Asset: Sendable {
        var data: Data
        var contentType: String
        /// Strong validator for conditional requests (`If-None-Match`).
        var etag: String
    }

    /// Keyed by URL path, e.g. `/`, `/app.js`, `/openapi.yaml`.
    let assets: [String: Asset]

    static func contentType(forExtension ext: String) -> String {
        switch ext.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "yaml", "yml": return "application/yaml; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    /// Loads every file under the module's `Public` resource folder.
    static func load() throws -> StaticAssets {
        guard let root = Bundle.module.url(forResource: "Public", withExtension: nil) else {
            throw StoreError.fileMissing("the web UI resources (Public/ in the FindColorServer bundle)")
        }
        return try load(from: root)
    }

    static func load(from root: URL) throws -> StaticAssets {
        var assets: [String: Asset] = [:]
        let rootPath = root.standardizedFileURL.resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: rootPath) else {
            throw StoreError.fileMissing("the web UI folder \(rootPath)")
        }
        while let relative = enumerator.nextObject() as? String {
            let url = URL(fileURLWithPath: rootPath).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
            let data = try Data(contentsOf: url)
            let asset = Asset(
                data: data,
                contentType: contentType(forExtension: url.pathExtension),
                etag: "\"\(ContentDigest.sha256Hex(data).prefix(20))\"")
            assets["/" + relative] = asset
            if relative == "index.html" { assets["/"] = asset }
        }
        guard assets["/"] != nil else {
            throw StoreError.fileMissing("the web UI page index.html")
        }
        return StaticAssets(assets: assets)
    }
}

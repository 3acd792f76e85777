import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird

/// Projects: create (upload a photo), list, get, rename/settings, delete, and the stored images
/// (original photo, thumbnail).
enum ProjectRoutes {
    static func register(on router: AppRouter, project: ProjectRouterGroup, services: ServerServices) {
        router.post("/api/projects") { request, _ in
            try await ProjectRoutes.create(request, services: services)
        }
        router.get("/api/projects") { _, _ in
            let rows = try await services.store.list()
            return try Responses.json(ProjectListDTO(projects: rows.map { ProjectSummaryDTO($0.project, hintCount: $0.hintCount) }))
        }

        // /api/projects/{id}/…: the project is loaded once per request (`ProjectLoader`).
        project.get { _, context in
            try Responses.json(ProjectDTO(try context.loadedProject()))
        }
        project.delete { _, context in
            try await services.store.delete(try context.loadedProject().project.id)
            return Responses.noContent()
        }
        project.patch("settings") { request, context in
            try await ProjectRoutes.updateSettings(request, context, services: services)
        }
        project.patch { request, context in
            try await ProjectRoutes.updateSettings(request, context, services: services)
        }
        project.get("original") { _, context in
            let project = try context.loadedProject().project
            let url = services.store.fileURL(project.id, project.originalFile)
            return try await StoredImage.response(
                url: url, format: project.originalFormat, digest: project.originalDigest,
                role: "original photo", immutable: true, width: project.width, height: project.height, services: services)
        }
        project.get("thumbnail") { _, context in
            let id = try context.loadedProject().project.id
            guard let data = try? Data(contentsOf: services.store.fileURL(id, ProjectStore.thumbnailFileName)) else {
                throw StoreError.fileMissing("the thumbnail")
            }
            var headers = HTTPFields()
            headers[.cacheControl] = "private, max-age=86400"
            return Responses.bytes(data, contentType: "image/jpeg", headers: headers)
        }
    }

    /// `POST /api/projects`: multipart with `image` (required) and `name` (optional).
    static func create(_ request: Request, services: ServerServices) async throws -> Response {
        let limits = services.limits
        let form = try await RequestReading.multipart(request, limit: limits.maxUploadBytes)
        if let unknown = form.parts.first(where: { $0.name != "image" && $0.name != "name" }) {
            throw APIError.badRequest("unknown form field \"\(unknown.name)\"; allowed: image, name")
        }
        guard let imagePart = form.part("image") else {
            throw APIError.badRequest("missing the \"image\" field: the photo to colorize")
        }
        let imageData = imagePart.body
        let name: String
        if let namePart = form.part("name") {
            name = try ProjectRoutes.checkedName(try namePart.text())
        } else {
            name = imagePart.filename.map { ProjectRoutes.withoutControlCharacters(ProjectRoutes.baseName($0)) } ?? ""
        }

        let size = MemoryCost.uploadSize(imageData, maxPixels: limits.maxPixels)
        let cost = MemoryCost.decode(width: size.width, height: size.height)
        let (decodedFormat, width, height, thumbnail) = try await services.work.run(cost: cost, what: "decoding this photo") {
            () -> (ImageFormat, Int, Int, Data) in
            let decoded = try ImageInputs.decode(imageData, role: "photo", maxPixels: limits.maxPixels)
            let thumbnail = try ImageCodec.encode(Thumbnail.make(from: decoded.image), as: .jpeg(quality: 85))
            return (decoded.format, decoded.image.width, decoded.image.height, thumbnail)
        }
        let snapshot = try await services.store.createProject(.init(
            name: name, original: imageData, format: decodedFormat, width: width, height: height, thumbnail: thumbnail))
        var headers = HTTPFields()
        headers[.location] = "/api/projects/\(snapshot.project.id)"
        return try Responses.json(ProjectDTO(snapshot), status: .created, headers: headers)
    }

    struct SettingsBody: Decodable {
        var name: String?
        var preset: String?
        var transferGlobal: Bool?
        var vividness: Double?
        var repair: Bool?
        var repairDenoise: Double?
        var repairFade: Bool?
    }

    /// `PATCH /api/projects/{id}/settings`: `{"preset": "best", "transferGlobal": true, "vividness": 0.3, "name": "..."}`,
    /// and the repair: `{"repair": true, "repairDenoise": 0.3, "repairFade": false}`.
    static func updateSettings(_ request: Request, _ context: AppContext, services: ServerServices) async throws -> Response {
        let id = try context.loadedProject().project.id
        let body = try await RequestReading.jsonObject(request)
        try body.allowOnly(["name", "preset", "transferGlobal", "vividness", "repair", "repairDenoise", "repairFade"])
        let settings = try body.decode(SettingsBody.self)
        if let name = settings.name { _ = try ProjectRoutes.checkedName(name) }
        let preset = try FormValues.preset(settings.preset)
        if body.has("preset"), preset == nil {
            throw APIError.badRequest("preset must be one of \(EnsemblePreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let snapshot = try await services.store.updateSettings(
            id, name: settings.name, preset: preset, transferGlobal: settings.transferGlobal, vividness: settings.vividness,
            repair: .init(enabled: settings.repair, denoise: settings.repairDenoise, fade: settings.repairFade))
        return try Responses.json(ProjectDTO(snapshot))
    }

    /// A project name as given by the client, refused (400) when it contains a control character
    /// (U+0000–U+001F, U+007F–U+009F: NUL, line breaks, escapes), which would be cut or garbled
    /// where the name is stored, shown or used as a download's file name.
    static func checkedName(_ name: String) throws -> String {
        if let bad = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw APIError.badRequest(
                "the project name must not contain control characters (it contains U+\(String(format: "%04X", bad.value)))")
        }
        return name
    }

    /// A name taken from an upload's file name: control characters become spaces.
    static func withoutControlCharacters(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// "photo.final.JPG" → "photo.final".
    static func baseName(_ filename: String) -> String {
        let last = filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? filename
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return last }
        return String(last[..<dot])
    }
}

/// Serving a stored photo: JPEG and PNG as they are; other formats (TIFF), which browsers cannot
/// show, converted to PNG. And the masks the user edits (`serveEditedMask`).
enum StoredImage {
    /// - Parameter immutable: the URL always names these bytes (the original photo), so browsers may
    ///   keep it; otherwise (a replaceable reference photo) they must revalidate.
    static func response(url: URL, format: String, digest: String, role: String, immutable: Bool,
                         width: Int, height: Int, services: ServerServices) async throws -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = immutable ? "private, max-age=31536000, immutable" : "no-cache"
        headers[.eTag] = "\"\(digest.prefix(20))\""
        if let stored = ImageFormat(rawValue: format), stored == .jpeg || stored == .png {
            guard let data = try await BlockingIO.run({ try? Data(contentsOf: url) }) else {
                throw StoreError.fileMissing("the \(role)")
            }
            return Responses.bytes(data, contentType: stored.mimeType, headers: headers)
        }
        let png = try await services.renderer.pngVersion(of: url, digest: digest, role: role, width: width, height: height)
        return Responses.bytes(png, contentType: ImageFormat.png.mimeType, headers: headers)
    }

    /// `GET` and `DELETE` of a mask the user edits (`path`: "region", "repair/mask"): its PNG as
    /// stored, never cached (the same URL names the next edit), or `missing` (404) when there is none.
    static func serveEditedMask(_ mask: ProjectStore.EditedMask, at path: RouterPath, on project: ProjectRouterGroup,
                                store: ProjectStore, missing: String) {
        project.get(path) { _, context in
            guard let url = store.fileURL(try context.loadedProject().project, mask) else { throw APIError.notFound(missing) }
            guard let data = try? Data(contentsOf: url) else { throw StoreError.fileMissing("the \(mask.role)") }
            var headers = HTTPFields()
            headers[.cacheControl] = "no-store"
            return Responses.bytes(data, contentType: "image/png", headers: headers)
        }
        project.delete(path) { _, context in
            let snapshot = try await store.clearMask(mask, of: try context.loadedProject().project.id)
            return try Responses.json(ProjectDTO(snapshot))
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird

/// Rendering a project: the fast preview, the full-resolution result (cached by state), and the
/// colours the model suggests at a pixel.
enum RenderRoutes {
    static func register(on router: AppRouter, services: ServerServices) {
        let renderer = services.renderer

        router.get("/api/projects/{id}/preview") { _, context in
            let id = try ServerServices.projectId(context)
            return Responses.rendered(try await renderer.render(id, kind: .preview, format: .png))
        }

        router.get("/api/projects/{id}/result") { request, context in
            let id = try ServerServices.projectId(context)
            let query = request.uri.queryParameters
            let format = try ImageOutput(parameter: query["format"].map(String.init))
            let download = try FormValues.bool(query["download"].map(String.init), field: "download") ?? false
            let rendered = try await renderer.render(id, kind: .full, format: format)
            var name: String?
            if download {
                name = try await services.store.snapshot(id).project.name + " (colour)"
            }
            return Responses.rendered(rendered, download: name)
        }

        router.get("/api/projects/{id}/suggest") { request, context in
            let id = try ServerServices.projectId(context)
            let query = request.uri.queryParameters
            let x = try FormValues.integer(query["x"], field: "x")
            let y = try FormValues.integer(query["y"], field: "y")
            var topK = services.limits.suggestionCount
            if let k = query["k"], !k.isEmpty {
                guard let value = Int(k), (1...32).contains(value) else {
                    throw APIError.badRequest("k must be an integer from 1 to 32, not \"\(k)\"")
                }
                topK = value
            }
            let suggestions = try await renderer.suggest(id, x: x, y: y, topK: topK)
            return try Responses.json(SuggestionsDTO(x: x, y: y, suggestions: suggestions))
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird

/// Rendering a project: the fast preview, the full-resolution result (cached by state), and the
/// colours the model suggests at a pixel.
enum RenderRoutes {
    /// The `k` a suggestion request may ask for.
    static let suggestionCounts = 1...32

    static func register(on project: ProjectRouterGroup, services: ServerServices) {
        let renderer = services.renderer

        project.get("preview") { request, context in
            let snapshot = try context.loadedProject()
            let format = try ImageOutput(parameter: request.uri.queryParameters["format"].map(String.init))
            return Responses.rendered(try await renderer.render(snapshot, kind: .preview, format: format))
        }

        project.get("result") { request, context in
            let snapshot = try context.loadedProject()
            let query = request.uri.queryParameters
            let format = try ImageOutput(parameter: query["format"].map(String.init))
            let download = try FormValues.bool(query["download"].map(String.init), field: "download") ?? false
            let rendered = try await renderer.render(snapshot, kind: .full, format: format)
            return Responses.rendered(rendered, download: download ? snapshot.project.name + " (colour)" : nil)
        }

        project.get("suggest") { request, context in
            let snapshot = try context.loadedProject()
            let query = request.uri.queryParameters
            let x = try FormValues.integer(query["x"], field: "x")
            let y = try FormValues.integer(query["y"], field: "y")
            var topK = services.limits.suggestionCount
            if let k = query["k"], !k.isEmpty {
                let counts = RenderRoutes.suggestionCounts
                guard let value = Int(k), counts.contains(value) else {
                    throw APIError.badRequest("k must be an integer from \(counts.lowerBound) to \(counts.upperBound), not \"\(k)\"")
                }
                topK = value
            }
            let suggestions = try await renderer.suggest(snapshot, x: x, y: y, topK: topK)
            return try Responses.json(SuggestionsDTO(x: x, y: y, suggestions: suggestions))
        }
    }
}

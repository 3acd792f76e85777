import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird

/// The repair of a project (issue 15): the detected defects (for the overlay of the web UI) and
/// the user's corrections of them. Whether the repair applies, and its denoise and fade, are
/// settings (`PATCH /api/projects/{id}/settings`).
enum RepairRoutes {
    static func register(on project: ProjectRouterGroup, services: ServerServices) {
        let store = services.store
        let limits = services.limits
        let renderer = services.renderer

        project.get("repair/defects") { _, context in
            let data = try await renderer.defectsPNG(try context.loadedProject())
            var headers = HTTPFields()
            // The same photo and detector give the same mask, but another detector file another one.
            headers[.cacheControl] = "no-cache"
            return Responses.bytes(data, contentType: "image/png", headers: headers)
        }

        project.put("repair/mask") { request, context in
            let project = try context.loadedProject().project
            let id = project.id
            let data = try await ReferenceRoutes.uploadedFile(request, preferredField: "mask", what: "repair mask", limits: limits)
            let (width, height) = (project.width, project.height)
            let declared = MemoryCost.uploadSize(data, maxPixels: limits.maxPixels)
            let cost = MemoryCost.decode(width: declared.width, height: declared.height) + width * height * 3 * MemoryLayout<Float>.size
            let png = try await services.work.run(cost: cost, what: "decoding the repair mask") {
                try RepairEdits.decode(data, width: width, height: height, maxPixels: limits.maxPixels).png()
            }
            let snapshot = try await store.setMask(.repair, of: id, png: png)
            return try Responses.json(ProjectDTO(snapshot))
        }

        StoredImage.serveEditedMask(.repair, at: "repair/mask", on: project, store: store,
                                    missing: "this project has no repair mask edits (the detected defects apply as they are)")
    }
}

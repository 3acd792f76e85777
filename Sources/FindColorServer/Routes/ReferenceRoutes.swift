import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird

/// The reference photo (its colours are transferred to the photo) and the region mask (where the
/// reference applies; none = the whole photo) of a project.
enum ReferenceRoutes {
    static func register(on project: ProjectRouterGroup, services: ServerServices) {
        let store = services.store
        let limits = services.limits

        project.put("reference") { request, context in
            let id = try context.loadedProject().project.id
            let data = try await ReferenceRoutes.uploadedFile(request, preferredField: "reference", what: "reference photo", limits: limits)
            let size = MemoryCost.uploadSize(data, maxPixels: limits.maxPixels)
            let cost = MemoryCost.decode(width: size.width, height: size.height)
            let (format, width, height) = try await services.work.run(cost: cost, what: "decoding the reference photo") { () -> (ImageFormat, Int, Int) in
                let decoded = try ImageInputs.decode(data, role: "reference photo", maxPixels: limits.maxPixels)
                let image = decoded.image
                guard image.channels == 3 else {
                    throw APIError.unprocessable("the reference photo must be a colour photo; this one is grayscale")
                }
                guard min(image.width, image.height) >= ColorizeRequest.minimumReferenceSide else {
                    throw APIError.unprocessable(
                        "the reference photo is too small (\(image.width)×\(image.height)); "
                            + "it needs at least \(ColorizeRequest.minimumReferenceSide) pixels on each side")
                }
                return (decoded.format, image.width, image.height)
            }
            let snapshot = try await store.setReference(id, data: data, format: format, width: width, height: height)
            return try Responses.json(ProjectDTO(snapshot))
        }

        project.get("reference") { _, context in
            let project = try context.loadedProject().project
            guard let file = project.referenceFile, let digest = project.referenceDigest else {
                throw APIError.notFound("this project has no reference photo")
            }
            return try await StoredImage.response(
                url: store.fileURL(project.id, file), format: project.referenceFormat ?? "",
                digest: digest, role: "reference photo", immutable: false,
                width: project.referenceWidth ?? project.width, height: project.referenceHeight ?? project.height,
                services: services)
        }

        project.delete("reference") { _, context in
            let snapshot = try await store.clearReference(try context.loadedProject().project.id)
            return try Responses.json(ProjectDTO(snapshot))
        }

        project.put("region") { request, context in
            let project = try context.loadedProject().project
            let id = project.id
            let data = try await ReferenceRoutes.uploadedFile(request, preferredField: "region", what: "region mask", limits: limits)
            guard ImageFormat(detecting: data) == .png else {
                throw APIError.unsupportedMediaType("the region mask must be a PNG image (white = region, black = outside)")
            }
            let (width, height) = (project.width, project.height)
            let declared = MemoryCost.uploadSize(data, maxPixels: limits.maxPixels)
            if let header = ImageHeader.size(of: data), header != (width, height) {
                throw APIError.unprocessable(
                    "the region mask is \(header.width)×\(header.height) but the photo is \(width)×\(height); "
                        + "the mask must have exactly the photo's size")
            }
            let maskCost = MemoryCost.decode(width: declared.width, height: declared.height) + width * height * MemoryLayout<Float>.size
            // An empty mask (no white pixels) is a region too: the reference then colours nothing
            // (the web UI's "Painted region" before anything is painted).
            try await services.work.run(cost: maskCost, what: "decoding the region mask") {
                _ = try ImageInputs.decodeMask(data, width: width, height: height, maxPixels: limits.maxPixels)
            }
            let snapshot = try await store.setMask(.region, of: id, png: data)
            return try Responses.json(ProjectDTO(snapshot))
        }

        StoredImage.serveEditedMask(.region, at: "region", on: project, store: store,
                                    missing: "this project has no region mask (the reference applies to the whole photo)")
    }

    /// The uploaded file of a PUT: either a multipart form with one file field (`preferredField`, or
    /// the only part), or the raw image as the body (`Content-Type: image/...`).
    static func uploadedFile(_ request: Request, preferredField: String, what: String, limits: ServerLimits) async throws -> Data {
        let contentType = request.headers[.contentType].map { HeaderValue.parse($0).value } ?? ""
        let data: Data
        if contentType == "multipart/form-data" {
            let form = try await RequestReading.multipart(request, limit: limits.maxUploadBytes)
            if let part = form.part(preferredField) {
                data = part.body
            } else if form.parts.count == 1 {
                data = form.parts[0].body
            } else {
                throw APIError.badRequest("missing the \"\(preferredField)\" field: the \(what)")
            }
        } else if contentType.hasPrefix("image/") || contentType == "application/octet-stream" {
            data = try await RequestReading.data(request, limit: limits.maxUploadBytes)
        } else {
            throw APIError.unsupportedMediaType(
                "send the \(what) as multipart/form-data (field \"\(preferredField)\") or as an image/* body"
                    + (contentType.isEmpty ? "" : ", not \(contentType)"))
        }
        guard !data.isEmpty else { throw APIError.badRequest("the \(what) is empty (0 bytes)") }
        return data
    }
}

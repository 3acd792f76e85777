import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /api/colorize`: the stateless API. A multipart form in, the colourized photo out.
///
/// Fields: `image` (file, required), `hints` (JSON, the CLI's format), `reference` (file),
/// `region` (mask file of the photo's size, white = where the reference applies), `preset`
/// (fast | balanced | best), `transfer_global` (true | false), `vividness` (0…1, default 0),
/// `format` (png | jpeg); the repair before colour (issue 15, as `findcolor colorize --repair`):
/// `repair` (true | false, default false), with it `denoise` (0…1, default 0), `fade` (true |
/// false, default true) and `repair_mask` (corrections of the detected defects, `RepairEdits`).
enum ColorizeRoutes {
    static let fields: Set<String> = [
        "image", "hints", "reference", "region", "preset", "transfer_global", "vividness", "format",
        "repair", "denoise", "fade", "repair_mask",
    ]

    static func register(on router: AppRouter, services: ServerServices) {
        router.post("/api/colorize") { request, _ in
            try await ColorizeRoutes.colorize(request, services: services)
        }
    }

    static func colorize(_ request: Request, services: ServerServices) async throws -> Response {
        let limits = services.limits
        let form = try await RequestReading.multipart(request, limit: limits.maxUploadBytes)
        var seen = Set<String>()
        for part in form.parts {
            guard ColorizeRoutes.fields.contains(part.name) else {
                throw APIError.badRequest(
                    "unknown form field \"\(part.name)\"; allowed: \(ColorizeRoutes.fields.sorted().joined(separator: ", "))")
            }
            guard seen.insert(part.name).inserted else {
                throw APIError.badRequest("the form field \"\(part.name)\" is given more than once")
            }
        }
        guard let imagePart = form.part("image") else {
            throw APIError.badRequest("missing the \"image\" field: the photo to colorize (e.g. curl -F image=@photo.jpg)")
        }
        var formSettings = ColorizeSettings()
        if let preset = try FormValues.preset(form.part("preset")?.text()) { formSettings.preset = preset }
        if let transferGlobal = try FormValues.bool(form.part("transfer_global")?.text(), field: "transfer_global") {
            formSettings.transferGlobal = transferGlobal
        }
        if let vividness = try FormValues.number(form.part("vividness")?.text(), field: "vividness") { formSettings.vividness = vividness }
        try FormValues.check(formSettings)
        let settings = formSettings
        let format = try ImageOutput(parameter: form.part("format")?.text())
        let repair = try ColorizeRoutes.repairRequest(form)
        let repairMaskData = form.part("repair_mask")?.body
        if repairMaskData?.isEmpty == true { throw APIError.badRequest("the repair mask is empty (0 bytes)") }
        // Read before the queue: a hint document is refused by its size and shape without waiting
        // for (or occupying) the inference worker; only the bounds need the decoded photo.
        let hints: [Hint]? = try form.part("hints").flatMap { part in
            part.body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) ? nil : try HintParser.parseList(part.body).map(\.hint)
        }
        let referenceData = form.part("reference")?.body
        let regionData = form.part("region")?.body
        if referenceData?.isEmpty == true { throw APIError.badRequest("the reference photo is empty (0 bytes)") }
        if regionData?.isEmpty == true { throw APIError.badRequest("the region mask is empty (0 bytes)") }
        let imageData = imagePart.body
        let engine = services.engine
        let repairService = services.repair
        let size = MemoryCost.uploadSize(imageData, maxPixels: limits.maxPixels)
        var cost = MemoryCost.colorize(
            width: size.width, height: size.height, ensemble: settings.ensemble,
            reference: referenceData.map { MemoryCost.uploadSize($0, maxPixels: limits.maxPixels) },
            region: regionData != nil)
        if repair != nil { cost += MemoryCost.repair(width: size.width, height: size.height) }

        let (data, milliseconds) = try await services.work.run(cost: cost, what: "colourizing this \(size.width)×\(size.height) photo") { () -> (Data, Double) in
            let start = DispatchTime.now().uptimeNanoseconds
            var image = try ImageInputs.decode(imageData, role: "image", maxPixels: limits.maxPixels).image
            try format.checkCanEncode(width: image.width, height: image.height)
            var colorizeRequest = ColorizeRequest(settings: settings)
            if let hints {
                try HintParser.validate(hints, imageWidth: image.width, imageHeight: image.height)
                colorizeRequest.hints = hints
            }
            if let referenceData {
                colorizeRequest.reference = try ImageInputs.decode(
                    referenceData, role: "reference photo", maxPixels: limits.maxPixels).image
            }
            if let regionData {
                colorizeRequest.region = try ImageInputs.decodeMask(
                    regionData, width: image.width, height: image.height, maxPixels: limits.maxPixels)
            }
            if let repair {
                // The edits are checked before the detector runs: a wrong mask costs no detection.
                let edits = try repairMaskData.map {
                    try RepairEdits.decode($0, width: image.width, height: image.height, maxPixels: limits.maxPixels)
                }
                var defects = try repairService.detect(image)
                if let edits { defects = edits.applied(to: defects) }
                image = try repair.repaired(image, defects: defects)
            }
            let rgb = try engine.colorizeFull(image, colorizeRequest)
            let encoded = try ImageInputs.encode(rgb, as: format)
            return (encoded, Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[Responses.millisecondsHeader] = String(format: "%.1f", milliseconds)
        return Responses.bytes(data, contentType: format.mimeType, headers: headers)
    }

    /// The repair fields of a colorize form: nil unless `repair` is true; `denoise`, `fade` and
    /// `repair_mask` without it are refused (as the CLI refuses its repair options without --repair).
    static func repairRequest(_ form: MultipartForm) throws -> RepairRequest? {
        let enabled = try FormValues.bool(form.part("repair")?.text(), field: "repair") ?? false
        guard enabled else {
            if let field = ["denoise", "fade", "repair_mask"].first(where: { form.part($0) != nil }) {
                throw APIError.badRequest("\(field) is a setting of the repair; send repair=true with it")
            }
            return nil
        }
        var repair = RepairRequest()
        if let denoise = try FormValues.number(form.part("denoise")?.text(), field: "denoise") { repair.denoise = denoise }
        if let fade = try FormValues.bool(form.part("fade")?.text(), field: "fade") { repair.fade = fade }
        try repair.validate()
        return repair
    }
}

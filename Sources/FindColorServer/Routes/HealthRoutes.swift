import FindColor
import Hummingbird

/// `GET /health`: liveness, model status and the inference queue's depth.
enum HealthRoutes {
    static func register(on router: AppRouter, services: ServerServices) {
        router.get("/health") { _, _ in
            let limits = services.limits
            return try Responses.json(HealthDTO(
                status: "ok",
                model: "loaded",
                queue: services.queue.status,
                limits: .init(
                    maxUploadBytes: limits.maxUploadBytes, maxPixels: limits.maxPixels,
                    maxWaitingJobs: services.queue.maxWaiting, previewShortSide: limits.previewShortSide),
                presets: EnsemblePreset.allCases.map(\.rawValue)))
        }
    }
}

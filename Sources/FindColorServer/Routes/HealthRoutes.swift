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
                memory: services.memory.status,
                connections: services.connections.status,
                limits: .init(
                    maxUploadBytes: limits.maxUploadBytes, maxPixels: limits.maxPixels,
                    maxWaitingJobs: services.queue.maxWaiting, previewShortSide: limits.previewShortSide,
                    maxConnections: services.connections.maxConnections, memoryBudgetBytes: limits.memoryBudgetBytes,
                    headerTimeoutSeconds: HealthRoutes.seconds(limits.headerTimeout),
                    requestBodyTimeoutSeconds: HealthRoutes.seconds(limits.requestBodyTimeout),
                    idleTimeoutSeconds: HealthRoutes.seconds(limits.idleTimeout)),
                presets: EnsemblePreset.allCases.map(\.rawValue)))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

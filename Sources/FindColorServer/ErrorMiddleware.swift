import Hummingbird
import Logging

/// Turns every error thrown by a route (or by the router itself, e.g. an unknown path) into a JSON
/// `{"error": "..."}` response with a meaningful status. Unexpected errors (5xx) are logged.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let limits: ServerLimits

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error, request: request, limits: limits)
            if apiError.status.code >= 500 && apiError.status != .serviceUnavailable {
                context.logger.error("\(request.method.rawValue) \(request.uri.path) failed: \(String(describing: error))")
            } else {
                context.logger.debug("\(request.method.rawValue) \(request.uri.path): \(apiError.status.code) \(apiError.message)")
            }
            return apiError.jsonResponse()
        }
    }
}

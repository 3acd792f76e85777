import HTTPTypes
import Hummingbird

/// The web UI (`/`, `/app.js`, ...) and `/openapi.yaml`, served from memory.
enum StaticRoutes {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    /// Everything from this server only: no scripts, styles or fonts from elsewhere.
    static let policy = "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
        + "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

    static func register(on router: AppRouter, assets: StaticAssets) {
        for (path, asset) in assets.assets {
            router.get(RouterPath(path)) { (request, _) -> Response in
                var headers = HTTPFields()
                headers[.eTag] = asset.etag
                headers[.cacheControl] = "no-cache"
                if asset.contentType.hasPrefix("text/html") {
                    headers[contentSecurityPolicy] = policy
                }
                if let match = request.headers[.ifNoneMatch], match == asset.etag {
                    return Response(status: .notModified, headers: headers)
                }
                return Responses.bytes(asset.data, contentType: asset.contentType, headers: headers)
            }
        }
    }
}

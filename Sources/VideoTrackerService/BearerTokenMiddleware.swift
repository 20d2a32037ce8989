import Hummingbird
import VideoTracker

/// Requires `Authorization: Bearer <token>` on every path but `openPaths` (health checks stay
/// open for probes). The comparison takes the same time wherever the tokens differ.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    let openPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if openPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw TrackingError(.unauthorized, code: "token_required",
                                "this service needs Authorization: Bearer <token>", field: "Authorization")
        }
        guard Self.sameBytes(Array(header.dropFirst(7).utf8), Array(token.utf8)) else {
            throw TrackingError(.unauthorized, code: "token_invalid", "the bearer token is not valid", field: "Authorization")
        }
        return try await next(request, context)
    }

    private static func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

import Hummingbird
import VideoTracker

/// A known route asked with a method it does not take is a 405 with `Allow`, not a 404: the
/// caller got the path right, and the answer should say so (Hummingbird's router answers 404).
struct MethodCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Path to the methods it takes; the routes `buildApplication` registers.
    let routes: [String: [HTTPRequest.Method]]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let allowed = routes[request.uri.path], !allowed.contains(request.method) {
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            throw ErrorResponse(error: TrackingError(.methodNotAllowed, code: "method_not_allowed",
                                                     "\(request.uri.path) takes \(names), not \(request.method.rawValue)"),
                                allow: allowed)
        }
        return try await next(request, context)
    }
}

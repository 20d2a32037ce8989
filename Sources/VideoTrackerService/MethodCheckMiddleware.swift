import Hummingbird
import VideoTracker

/// A known route asked with a method it does not take is a 405 with `Allow`, not a 404: the
/// caller got the path right, and the answer should say so (Hummingbird's router answers 404).
struct MethodCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes `buildApplication` registers, with the methods each takes.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let route = routes.match(request.uri.path), !route.methods.contains(request.method) {
            let names = route.methods.map(\.rawValue).joined(separator: ", ")
            throw ErrorResponse(error: TrackingError(.methodNotAllowed, code: "method_not_allowed",
                                                     "\(request.uri.path) takes \(names), not \(request.method.rawValue)"),
                                allow: route.methods)
        }
        return try await next(request, context)
    }
}

/// Path templates (`/jobs/:id/video`: a `:name` segment matches any one segment) with the
/// methods each takes: what the 405 check and the request counter know of the routes.
struct RouteTable: Sendable {
    struct Route: Sendable {
        let template: String
        let segments: [Substring]
        let methods: [HTTPRequest.Method]
    }

    let routes: [Route]

    init(_ table: KeyValuePairs<String, [HTTPRequest.Method]>) {
        routes = table.map { Route(template: $0.key, segments: $0.key.split(separator: "/"), methods: $0.value) }
    }

    func match(_ path: String) -> Route? {
        let segments = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.hasPrefix(":") || pattern == segment }
        }
    }
}

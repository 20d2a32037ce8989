import Foundation
import Hummingbird
import VideoTracker

/// Requires the token on every path but `openPaths` (health checks stay open for probes), as
/// `Authorization: Bearer <token>` or, for browsers, the cookie `SignInPage.cookieName`. The
/// comparison takes the same time wherever the tokens differ. A browser's page load without a
/// valid token gets the sign-in page (still a 401); everything else the JSON error.
///
/// The cookie is set with `SameSite=Strict`, so a browser sends it only on requests from this
/// site's own pages: another site's form or script (a cross-site POST or DELETE) arrives without
/// it and is refused, which is what keeps the cookie from opening the API to CSRF.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    let openPaths: Set<String>
    let signIn: SignInPage

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if openPaths.contains(request.uri.path) { return try await next(request, context) }
        if let header = request.headers[.authorization] {
            // A client that sends the header is judged by it alone, as before cookies were read.
            guard header.hasPrefix("Bearer ") else { throw Self.required }
            guard Self.sameBytes(Array(header.dropFirst(7).utf8), Array(token.utf8)) else { throw Self.invalid }
            return try await next(request, context)
        }
        guard let cookie = request.cookies[SignInPage.cookieName]?.value else {
            if SignInPage.isBrowserNavigation(request) { return signIn.response(tokenRefused: false) }
            throw Self.required
        }
        // The sign-in script percent-encodes the token (a cookie value cannot hold `;`, `,` or spaces).
        guard Self.sameBytes(Array((cookie.removingPercentEncoding ?? cookie).utf8), Array(token.utf8)) else {
            if SignInPage.isBrowserNavigation(request) { return signIn.response(tokenRefused: true) }
            throw Self.invalidCookie
        }
        return try await next(request, context)
    }

    private static var required: TrackingError {
        TrackingError(.unauthorized, code: "token_required", "this service needs Authorization: Bearer <token>", field: "Authorization")
    }
    private static var invalid: TrackingError {
        TrackingError(.unauthorized, code: "token_invalid", "the bearer token is not valid", field: "Authorization")
    }
    private static var invalidCookie: TrackingError {
        TrackingError(.unauthorized, code: "token_invalid", "the token in the cookie \(SignInPage.cookieName) is not valid", field: "Cookie")
    }

    private static func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

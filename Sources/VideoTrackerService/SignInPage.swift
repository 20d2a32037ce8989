import Foundation
import Hummingbird
import Mustache
import VideoTracker

/// What a browser gets instead of a page when the service has a token and the browser has not
/// shown it: a 401 with `Templates/signin.mustache`, a password field whose script
/// (`Static/signin.js`) stores the token in the cookie `BearerTokenMiddleware` reads, then loads
/// the page again. A browser cannot add an `Authorization` header to a navigation, nor to
/// `<img>` or `<video>`; a cookie goes with all of them.
struct SignInPage: Sendable {
    /// The cookie holding the token (set by `Static/signin.js`, percent-encoded).
    static let cookieName = "video_tracker_token"
    /// The only static files reachable without the token: what the sign-in page itself loads.
    static let staticPaths: Set<String> = ["/static/signin.js", "/static/signin.css"]

    let template: MustacheTemplate

    /// Reads the template from the service's resource bundle, so a missing one shows at start.
    static func load() throws -> SignInPage {
        guard let url = Bundle.module.url(forResource: "signin", withExtension: "mustache", subdirectory: "Templates") else {
            throw TrackingError(.internalFailure, code: "resources_missing", "Templates/signin.mustache is missing from the resource bundle")
        }
        return SignInPage(template: try MustacheTemplate(string: String(contentsOf: url, encoding: .utf8)))
    }

    /// A browser's page load (not a script's fetch, an `<img>` or a `<video>`): those ask for HTML.
    static func isBrowserNavigation(_ request: Request) -> Bool {
        (request.method == .get || request.method == .head) && (request.headers[.accept]?.contains("text/html") ?? false)
    }

    /// The sign-in page, with a line saying the token was refused when the browser sent one.
    func response(tokenRefused: Bool) -> Response {
        let html = template.render(["refused": tokenRefused])
        return Response(status: .unauthorized,
                        headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .wwwAuthenticate: "Bearer"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

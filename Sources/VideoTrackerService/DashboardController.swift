import Hummingbird
import Mustache
import VideoTracker

/// `GET /dashboard`: one page over a camera's analytics (`Templates/dashboard.mustache`, with
/// `Static/dashboard.js` and `Static/dashboard.css` served by `PageController`). The page is a
/// client of the cameras and analytics API like any other; it draws its charts, heatmap and
/// trajectories itself, so nothing is fetched from elsewhere.
struct DashboardController: Sendable {
    let templates: MustacheLibrary

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/dashboard") { _, _ in try render() }
    }

    private func render() throws -> Response {
        guard let html = templates.render([String: Any](), withTemplate: "dashboard") else {
            throw TrackingError(.internalFailure, code: "template_failed", "the dashboard template did not render")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

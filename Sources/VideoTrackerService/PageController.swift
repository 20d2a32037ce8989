import Foundation
import Hummingbird
import Mustache
import VideoTracker

/// The page people use: `GET /` (a form to upload a video with the options) and, for a browser,
/// `GET /jobs/{id}` (the job's progress, then its video and detections), both from
/// `Templates/page.mustache`; its script and style under `GET /static/{file}`. The page talks to
/// the jobs API like any client (`Static/app.js`: it posts the form, polls the job, then plays
/// the video); nothing is fetched from elsewhere.
struct PageController: Sendable {
    let templates: MustacheLibrary
    /// File name to contents and media type, read once at start.
    let staticFiles: [String: (bytes: ByteBuffer, mediaType: String)]
    let defaults: JobOptionsPageDefaults

    struct JobOptionsPageDefaults: Sendable {
        var score: Double
        /// The score a tracking job starts from (the form switches to it when tracking is ticked).
        var trackingScore: Double
        var every: Int
        var inputSize: Int
        var classNames: [String]
        var maxUploadBytes: Int64
    }

    /// Loads the templates and static files from the service's resource bundle (beside the
    /// binary: `video-tracker_VideoTrackerService.resources`), so a missing bundle shows at start.
    static func load(defaults: JobOptionsPageDefaults) async throws -> PageController {
        guard let root = Bundle.module.resourceURL else {
            throw TrackingError(.internalFailure, code: "resources_missing", "the service's resource bundle is missing")
        }
        let templates = try await MustacheLibrary(directory: root.appendingPathComponent("Templates").path)
        for name in ["page", "dashboard"] where templates.getTemplate(named: name) == nil {
            throw TrackingError(.internalFailure, code: "resources_missing", "Templates/\(name).mustache is missing from \(root.path)")
        }
        let folder = root.appendingPathComponent("Static")
        var files: [String: (ByteBuffer, String)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            files[name] = (ByteBuffer(bytes: data), mediaType(of: name))
        }
        return PageController(templates: templates, staticFiles: files, defaults: defaults)
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in try render(jobID: nil) }
        router.get("/static/:file") { _, context in
            guard let name = context.parameters.get("file"), let file = staticFiles[name] else {
                throw TrackingError(.notFound, code: "not_found", "no such file")
            }
            return Response(status: .ok, headers: [.contentType: file.mediaType, .cacheControl: "no-cache"],
                            body: ResponseBody(byteBuffer: file.bytes))
        }
    }

    /// `GET /jobs/{id}` asked for by a browser (the job exists).
    func jobPage(id: String) throws -> Response { try render(jobID: id) }

    private func render(jobID: String?) throws -> Response {
        let sizes = stride(from: 320, through: 640, by: 32).map { ["value": $0, "selected": $0 == defaults.inputSize] as [String: Any] }
        let context: [String: Any] = [
            "jobID": jobID ?? false,
            "score": defaults.score,
            "trackingScore": defaults.trackingScore,
            "every": defaults.every,
            "inputSizes": sizes,
            "inputSize": defaults.inputSize,
            "trackingInputSize": DetectorOptions.trackingInputSize,
            "classNames": defaults.classNames,
            "maxUploadMiB": defaults.maxUploadBytes >> 20,
        ]
        guard let html = templates.render(context, withTemplate: "page") else {
            throw TrackingError(.internalFailure, code: "template_failed", "the page template did not render")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private static func mediaType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        default: "application/octet-stream"
        }
    }
}

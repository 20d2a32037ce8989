import Foundation
import Hummingbird
import VideoTracker
import VideoTrackerStore

/// The detection jobs API: `POST /jobs` (multipart: a `video` file part or a `url` field, and
/// options) answers 202 at once and the queue runs the job; `GET /jobs`, `GET /jobs/{id}` (the
/// page when a browser asks for HTML), `GET /jobs/{id}/video` (with Range),
/// `GET /jobs/{id}/detections?format=json|mot|coco`, `DELETE /jobs/{id}`.
struct JobController: Sendable {
    let configuration: ServiceConfiguration
    let store: JobStore
    let files: JobFiles
    let queue: JobQueue
    let detector: any JobDetector
    let page: PageController

    /// The form's text fields; anything else is refused by name.
    static let optionFields = ["url", "score", "classes", "every", "input_size", "track"]

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/jobs") { request, context in try await create(request, context: context) }
        router.get("/jobs") { _, _ in try await list() }
        router.get("/jobs/:id") { request, context in try await show(request, context: context) }
        router.delete("/jobs/:id") { _, context in try await remove(context: context) }
        router.get("/jobs/:id/video") { request, context in try await video(request, context: context) }
        router.get("/jobs/:id/detections") { request, context in try await detections(request, context: context) }
    }

    // MARK: - POST /jobs

    private func create(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let boundary = try JobUpload.boundary(contentType: request.headers[.contentType])
        if let reason = detector.unavailableReason { throw reason }
        let id = JobRecord.makeID()
        try await files.createFolder(id)
        do {
            let upload = try await JobUpload.read(request.body, boundary: boundary, videoPath: files.source(id),
                                                  maxVideoBytes: configuration.maxUploadBytes)
            let job = try await makeJob(id: id, from: upload)
            try await store.insert(job)
            queue.jobAdded()
            context.logger.info("job queued", metadata: ["id": "\(id)", "video": "\(job.videoName)"])
            let location = "/jobs/\(id)"
            // A plain form submit (no script) goes on to the job's page.
            if Self.prefersHTML(request) {
                return Response(status: .seeOther, headers: [.location: location])
            }
            return Response(status: .accepted, headers: [.contentType: "application/json", .location: location],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: JobJSON.encode(["id": id, "status": job.status.rawValue]) + "\n")))
        } catch {
            await files.removeFolder(id)
            if let tracking = error as? TrackingError, tracking.code == "disk_full" {
                throw ErrorResponse(error: tracking, status: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"))
            }
            throw error
        }
    }

    private func makeJob(id: String, from upload: JobUpload) async throws -> JobRecord {
        var options = JobOptions.defaults
        var url: String?
        var scoreGiven = false, inputSizeGiven = false
        var seen: Set<String> = []
        for (name, value) in upload.fields {
            guard seen.insert(name).inserted else {
                throw TrackingError(.badRequest, code: "duplicate_field", "the field \(name) is given twice", field: name)
            }
            // An HTML form sends the fields left empty: empty means "the default".
            let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty && Self.optionFields.contains(name) { continue }
            switch name {
            case "url": url = text
            // Only the form is checked here; the detector says which values it takes (validate, below).
            case "score":
                options.scoreThreshold = try Self.number(text, field: name)
                scoreGiven = true
            case "classes":
                let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                options.classes = names.isEmpty ? nil : names
            case "every": options.every = try Self.integer(text, field: name)
            case "input_size":
                options.inputSize = try Self.integer(text, field: name)
                inputSizeGiven = true
            case "track": options.track = try Self.flag(text, field: name)
            default:
                throw TrackingError(.badRequest, code: "unknown_field",
                                    "unknown field \(name); the form takes video (a file), "
                                    + Self.optionFields.joined(separator: ", "), field: name)
            }
        }
        // Tracking's own score floor and input size, as `video-tracker mot` has them; set here so
        // the stored (and shown) options are the ones the job runs with.
        if options.track && !scoreGiven { options.scoreThreshold = JobOptions.trackingScore }
        if options.track && !inputSizeGiven { options.inputSize = DetectorOptions.trackingInputSize }
        try detector.validate(options)

        var video = upload.video
        // A form's file input left empty still sends a part: no name, no bytes.
        if let given = video, given.bytes == 0, (given.filename ?? "").isEmpty { video = nil }
        switch (video, url) {
        case (nil, nil):
            throw TrackingError(.badRequest, code: "missing_field", "give the video as a file part named video, or a url field",
                                field: JobUpload.videoField)
        case (.some, .some):
            throw TrackingError(.badRequest, code: "invalid_field", "give either a video file or a url, not both", field: "url")
        case (let video?, nil):
            let path = files.source(id)
            _ = try await onOwnThread(name: "probe-\(id)") { try VideoProbe.check(path: path, field: JobUpload.videoField) }
            return JobRecord(id: id, sourceURL: nil, videoName: Self.displayName(video.filename ?? "video"),
                             uploadBytes: video.bytes, options: options)
        case (nil, let url?):
            try checkURL(url)
            return JobRecord(id: id, sourceURL: url, videoName: Self.displayName(VideoDetection.videoName(for: url)),
                             uploadBytes: nil, options: options)
        }
    }

    private func checkURL(_ url: String) throws {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), let host = URLComponents(string: url)?.host, !host.isEmpty else {
            throw TrackingError(.badRequest, code: "invalid_field", "url must be an http or https URL with a host", field: "url")
        }
        let policy = DestinationPolicy(allowPrivateNetworks: configuration.allowPrivateNetworks,
                                       allowedHosts: configuration.allowedHosts)
        if let refusal = policy.refusal(forURL: url) {
            throw TrackingError(.forbidden, code: "destination_refused", "refusing to fetch the video: \(refusal)", field: "url")
        }
    }

    // MARK: - Reading jobs

    private func list() async throws -> Response {
        var views: [JobView] = []
        for job in try await store.list() {
            views.append(JobView(job, hasVideo: await hasVideo(job)))
        }
        return json(JobJSON.encode(["jobs": views]))
    }

    private func show(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let job = try await job(context)
        if Self.prefersHTML(request) { return try page.jobPage(id: job.id) }
        return json(JobJSON.encode(JobView(job, hasVideo: await hasVideo(job))))
    }

    private func remove(context: BasicRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard try await store.delete(id: id) else { throw Self.notFound(id) }
        queue.stop(id)
        await files.removeFolder(id)
        context.logger.info("job deleted", metadata: ["id": "\(id)"])
        return Response(status: .noContent)
    }

    private func video(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let job = try await finishedJob(context)
        let path = files.video(job.id)
        guard let size = await files.size(of: path) else {
            throw TrackingError(.notFound, code: "no_video", "job \(job.id) has no annotated video")
        }
        var headers: HTTPFields = [.contentType: "video/mp4", .acceptRanges: "bytes"]
        let fileIO = FileIO(threadPool: .singleton)
        switch ByteRange(header: request.headers[.range], size: Int(size)) {
        case .whole:
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: try await fileIO.loadFile(path: path, context: context))
        case .part(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            return Response(status: .partialContent, headers: headers,
                            body: try await fileIO.loadFile(path: path, range: range, context: context))
        case .unsatisfiable:
            let error = TrackingError(.badRequest, code: "range_not_satisfiable",
                                      "the Range \(request.headers[.range] ?? "") is not one range within the video's \(size) bytes",
                                      field: "Range")
            return Response(status: .rangeNotSatisfiable,
                            headers: [.contentType: "application/json", .contentRange: "bytes */\(size)", .acceptRanges: "bytes"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: ContractJSON.error(error) + "\n")))
        }
    }

    private func detections(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = request.uri.queryParameters.get("format") ?? DetectionFormat.json.rawValue
        guard let format = DetectionFormat(rawValue: name) else {
            throw TrackingError(.badRequest, code: "invalid_field",
                                "format must be one of \(DetectionFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(name)",
                                field: "format")
        }
        let job = try await finishedJob(context)
        let path = files.detections(job.id, format: format.fileExtension)
        guard let size = await files.size(of: path) else {
            throw TrackingError(.notFound, code: "no_detections", "job \(job.id) has no \(format.rawValue) detections")
        }
        let stem = job.videoName.split(separator: ".").dropLast().joined(separator: ".")
        let headers: HTTPFields = [
            .contentType: format.mediaType, .contentLength: String(size),
            .contentDisposition: "inline; filename=\"\(stem.isEmpty ? "video" : stem).\(format.fileExtension)\"",
        ]
        return Response(status: .ok, headers: headers, body: try await FileIO(threadPool: .singleton).loadFile(path: path, context: context))
    }

    // MARK: - Helpers

    private func job(_ context: BasicRequestContext) async throws -> JobRecord {
        let id = try Self.id(context)
        guard let job = try await store.job(id: id) else { throw Self.notFound(id) }
        return job
    }

    private func finishedJob(_ context: BasicRequestContext) async throws -> JobRecord {
        let job = try await job(context)
        guard job.status == .done else {
            throw TrackingError(.notFound, code: "not_ready",
                                "job \(job.id) is \(job.status.rawValue): its results are there once its status is done")
        }
        return job
    }

    private func hasVideo(_ job: JobRecord) async -> Bool {
        job.status == .done ? await files.size(of: files.video(job.id)) != nil : false
    }

    private func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    private static func id(_ context: BasicRequestContext) throws -> String {
        let id = context.parameters.get("id") ?? ""
        // Anything but an id's shape is no job, and never reaches a path.
        guard JobRecord.isWellFormedID(id) else { throw notFound(id) }
        return id
    }

    private static func notFound(_ id: String) -> TrackingError {
        TrackingError(.notFound, code: "job_not_found", "there is no job \(id.prefix(40))")
    }

    static func prefersHTML(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/html") ?? false
    }

    private static func number(_ text: String, field: String) throws -> Double {
        guard let value = Double(text), value.isFinite else {
            throw TrackingError(.badRequest, code: "invalid_field", "\(field) must be a number, got \(text.prefix(40))", field: field)
        }
        return value
    }

    private static func integer(_ text: String, field: String) throws -> Int {
        guard let value = Int(text) else {
            throw TrackingError(.badRequest, code: "invalid_field", "\(field) must be an integer, got \(text.prefix(40))", field: field)
        }
        return value
    }

    /// `true` or `false`, or `on`: what an HTML checkbox sends when ticked (nothing when not).
    private static func flag(_ text: String, field: String) throws -> Bool {
        switch text {
        case "true", "on": return true
        case "false": return false
        default:
            throw TrackingError(.badRequest, code: "invalid_field", "\(field) must be true or false, got \(text.prefix(40))", field: field)
        }
    }

    /// A file name for display: its last path part, without control characters, at most 200 characters.
    static func displayName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.prefix(200))
        return clean.isEmpty ? "video" : clean
    }
}

extension JobOptions {
    /// The detector's defaults (YOLOX-Nano at 416, scores from 0.3, every frame, every class, no tracking).
    static var defaults: JobOptions {
        let detection = VideoDetectionOptions()
        return JobOptions(scoreThreshold: Double(detection.detector.scoreThreshold), classes: nil, every: detection.every,
                          inputSize: detection.detector.inputSize, track: false)
    }

    /// The score floor of a tracking job that names none: ByteTrack's low score (0.1), since BYTE
    /// matches the low-score boxes of occluded objects to their tracks. Its shortest decimal, so
    /// the job shows 0.1; the detector compares in Float, where it is the same threshold.
    static var trackingScore: Double {
        let low = ByteTrackOptions().lowScore
        return Double(String(describing: low)) ?? Double(low)
    }
}

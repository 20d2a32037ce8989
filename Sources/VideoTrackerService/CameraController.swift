import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import VideoTracker
import VideoTrackerStore

/// The cameras API: `POST /cameras` (201), `GET /cameras`, `GET /cameras/{id}` (status and, on the
/// replica running it, live counters), `PATCH /cameras/{id}` (rename, pause, resume),
/// `DELETE /cameras/{id}` (`?purge=true` deletes its records too).
struct CameraController: Sendable {
    let configuration: ServiceConfiguration
    let cameras: CameraStore
    let tracks: TrackStore
    let supervisor: CameraSupervisor
    let buffer: TrackRecordBuffer
    /// The detector's class names, to refuse a camera asking for a class it cannot see.
    let classNames: ClassNames?

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/cameras") { request, context in try await create(request, context: context) }
        router.get("/cameras") { _, _ in try await list() }
        router.get("/cameras/:id") { _, context in try await show(context: context) }
        router.patch("/cameras/:id") { request, context in try await change(request, context: context) }
        router.delete("/cameras/:id") { request, context in try await remove(request, context: context) }
        router.get("/cameras/:id/live.jpg") { _, context in try await livePicture(context: context) }
    }

    /// The camera's latest annotated frame, from the replica running it: 404 `no_live_frame`
    /// until one has been drawn (asking starts the drawing: poll it).
    private func livePicture(context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard supervisor.local(id) != nil else {
            if try await cameras.camera(id: id) == nil { throw Self.notFound(id) }
            throw TrackingError(.notFound, code: "no_live_frame", "camera \(id) is not running on this replica (paused, ended, "
                                + "not yet started, or another replica runs it)")
        }
        guard let picture = supervisor.liveView.picture(camera: id) else {
            throw TrackingError(.notFound, code: "no_live_frame", "no frame of camera \(id) yet: ask again in a moment")
        }
        return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "no-store",
                                               HTTPField.Name("X-Frame-Time")!: CSVRecords.time(picture.timeMicroseconds)],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: picture.jpeg)))
    }

    private func create(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        let wanted = try CameraRequest.create(body.readableBytesView)
        let policy = DestinationPolicy(allowPrivateNetworks: configuration.allowPrivateNetworks,
                                       allowedHosts: configuration.allowedHosts)
        if let url = wanted.url, let refusal = await StreamDestination.refusal(for: url, policy: policy) {
            throw TrackingError(.forbidden, code: "destination_refused", refusal, field: "url")
        }
        if let classNames {
            do { _ = try classNames.ids(of: wanted.classes) } catch var error as TrackingError {
                error.field = "classes"
                throw error
            }
        }
        let camera = CameraRecord(name: wanted.name, url: wanted.url, classes: wanted.classes, fps: wanted.fps,
                                  everyFrames: wanted.every)
        try await cameras.insert(camera)
        supervisor.camerasChanged()
        context.logger.info("camera added", metadata: ["id": "\(camera.id)", "name": "\(camera.name)"])
        return json(CameraView(camera, local: nil, counts: buffer.counts(camera: camera.id)), status: .created,
                    headers: [.location: "/cameras/\(camera.id)"])
    }

    private func list() async throws -> Response {
        let all = try await cameras.list()
        return json(["cameras": all.map { view($0) }])
    }

    /// How long a camera's status waits for the database. PostgreSQL's pool waits for a server
    /// that went away (a minute, until its circuit breaker trips) rather than failing at once.
    static let statusReadLimit: Duration = .seconds(3)

    private func show(context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let cameras = cameras
        let failure: any Error
        do {
            if let read = try await answer(within: Self.statusReadLimit, { try await cameras.camera(id: id) }) {
                guard let camera = read else { throw Self.notFound(id) }
                return json(view(camera))
            }
            failure = TrackingError(.internalFailure, code: "database_unavailable", "the database did not answer")
        } catch let error as TrackingError {
            throw error
        } catch {
            failure = error
        }
        // The database is unreachable: a camera running here is still shown, from memory.
        guard let camera = supervisor.localRecord(id) else {
            throw ErrorResponse(error: TrackingError(.internalFailure, code: "database_unavailable",
                                                     "the database cannot be read: \(failure)"), status: .serviceUnavailable)
        }
        return json(view(camera))
    }

    private func change(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        let patch = try CameraRequest.patch(body.readableBytesView)
        let id = try context.parameters.require("id")
        guard let updated = try await cameras.update(id: id, CameraChanges(name: patch.name, paused: patch.paused)) else {
            throw Self.notFound(id)
        }
        supervisor.camerasChanged()
        return json(view(updated))
    }

    private func remove(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let purge = try Self.flag(request.uri.queryParameters.get("purge"), name: "purge")
        guard try await cameras.delete(id: id, purgeRecords: purge) else { throw Self.notFound(id) }
        if purge { buffer.forget(camera: id) }
        supervisor.camerasChanged()
        context.logger.info("camera deleted", metadata: ["id": "\(id)", "purge": "\(purge)"])
        return Response(status: .noContent)
    }

    // MARK: - Helpers

    func camera(_ context: BasicRequestContext) async throws -> CameraRecord {
        let id = try context.parameters.require("id")
        guard let camera = try await cameras.camera(id: id) else { throw Self.notFound(id) }
        return camera
    }

    private func view(_ camera: CameraRecord) -> CameraView {
        CameraView(camera, local: supervisor.local(camera.id), counts: buffer.counts(camera: camera.id),
                   storeError: supervisor.writer.storeFailure)
    }

    static func notFound(_ id: String) -> TrackingError {
        TrackingError(.notFound, code: "camera_not_found", "no camera with id \(id)")
    }

    /// `true`/`false` (or absent: false) in a query.
    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text?.lowercased() {
        case nil, "false", "0": false
        case "true", "1", "": true
        default: throw TrackingError.field(name, "\(name) must be true or false; got \(text ?? "")")
        }
    }
}

/// A camera as the API shows it.
struct CameraView: Encodable {
    struct Live: Encodable {
        var framesRead: Int
        var framesProcessed: Int
        var framesDropped: Int
        var fps: Double
        var lagSeconds: Double
        var reconnects: Int
        var lastFrameTime: String?

        enum CodingKeys: String, CodingKey {
            case fps, reconnects
            case framesRead = "frames_read", framesProcessed = "frames_processed", framesDropped = "frames_dropped"
            case lagSeconds = "lag_seconds", lastFrameTime = "last_frame_time"
        }
    }

    struct Records: Encodable {
        var written: Int
        var dropped: Int
        var waiting: Int
        /// Why this replica's last write failed (the database unreachable, its disk full), while it fails.
        var storeError: String?

        enum CodingKeys: String, CodingKey {
            case written, dropped, waiting
            case storeError = "store_error"
        }
    }

    var id: String
    var name: String
    var url: String?
    var classes: [String]
    var fps: Double?
    var every: Int
    var paused: Bool
    var status: String
    var statusReason: String?
    /// The replica processing it, while its lease lasts.
    var replica: String?
    /// This replica's counters, when it is the one processing the camera.
    var live: Live?
    /// Records since this replica started: stored, dropped (memory bound reached while the store
    /// was down), waiting to be written.
    var records: Records
    var createdAt: String
    var updatedAt: String
    var links: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, name, url, classes, fps, every, paused, status, replica, live, records, links
        case statusReason = "status_reason", createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ camera: CameraRecord, local: (status: CameraStatus, counters: CameraCounters)?, counts: TrackRecordBuffer.CameraCounts,
         storeError: String? = nil) {
        id = camera.id
        name = camera.name
        url = camera.url
        classes = camera.classes
        fps = camera.fps
        every = camera.everyFrames
        paused = camera.paused
        status = local?.status.name ?? camera.status.rawValue
        statusReason = local.map { $0.status.reason } ?? camera.statusReason
        let leaseLive = (camera.leaseExpiresAt ?? 0) >= JobClock.now()
        replica = leaseLive ? camera.leaseOwner : nil
        live = local.map { _, counters in
            Live(framesRead: counters.framesRead, framesProcessed: counters.framesProcessed,
                 framesDropped: counters.framesDropped, fps: (counters.framesPerSecond * 100).rounded() / 100,
                 lagSeconds: (counters.lagSeconds * 1000).rounded() / 1000, reconnects: counters.reconnects,
                 lastFrameTime: counters.lastFrameTime.map { TimeParameter.text(Date(timeIntervalSince1970: Double($0) / 1e6)) })
        }
        records = Records(written: counts.written, dropped: counts.dropped, waiting: counts.pending, storeError: storeError)
        createdAt = TimeParameter.text(Date(timeIntervalSince1970: Double(camera.createdAt) / 1000))
        updatedAt = TimeParameter.text(Date(timeIntervalSince1970: Double(camera.updatedAt) / 1000))
        links = ["self": "/cameras/\(camera.id)", "tracks": "/cameras/\(camera.id)/tracks"]
    }
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: JobJSON.encode(value) + "\n")))
}

/// `body`'s result, or nil when it has none within `limit`; the work goes on unawaited (a query
/// waiting for a database that went away is not cancellable in every driver).
func answer<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    let once = Once()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T?, any Error>) in
        let work = Task {
            let result = await Result { try await body() }
            if once.claim() { continuation.resume(with: result.map { $0 }) }
        }
        Task {
            try? await Task.sleep(for: limit)
            if once.claim() {
                work.cancel()
                continuation.resume(returning: nil)
            }
        }
    }
}

/// True for the first caller only.
final class Once: Sendable {
    private let taken = Mutex(false)

    func claim() -> Bool {
        taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }
}

import Hummingbird
import Logging
import ServiceLifecycle
import VideoTracker
import VideoTrackerStore

/// Builds the HTTP service. Tests call this in-process; `video-tracker serve` runs it. It opens
/// the database (PostgreSQL when `databaseURL` is set, else SQLite under `dataDirectory`),
/// requeues jobs a stopped process left running, and starts the cameras, so it is async.
public func buildApplication(
    configuration: ServiceConfiguration,
    metrics: ServiceMetrics = ServiceMetrics(),
    logger: Logger = Logger(label: "video-tracker"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let routes = RouteTable([
        "/run": [.post], "/healthz": [.get], "/metrics": [.get],
        "/": [.get], "/static/:file": [.get], "/dashboard": [.get],
        "/jobs": [.get, .post], "/jobs/:id": [.get, .delete],
        "/jobs/:id/video": [.get], "/jobs/:id/detections": [.get],
        "/cameras": [.get, .post], "/cameras/:id": [.get, .patch, .delete], "/cameras/:id/tracks": [.get, .post],
        "/cameras/:id/live.jpg": [.get],
        "/cameras/:id/zone": [.get], "/cameras/:id/zones": [.get, .post], "/cameras/:id/zones/:name": [.get, .delete],
        "/cameras/:id/crowd": [.get], "/cameras/:id/stays/top": [.get], "/cameras/:id/heatmap.json": [.get],
        "/cameras/:id/trajectories.json": [.get],
    ])
    let router = Router()
    router.add(middleware: ErrorShapeMiddleware())
    router.add(middleware: RequestCountMiddleware(metrics: metrics, routes: routes))
    router.add(middleware: MethodCheckMiddleware(routes: routes))
    if let token = configuration.token {
        router.add(middleware: BearerTokenMiddleware(token: token, openPaths: Set(["/healthz"]).union(SignInPage.staticPaths),
                                                     signIn: try SignInPage.load()))
    }
    router.get("/healthz") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}\n")))
    }
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
    TrackController(configuration: configuration, metrics: metrics, limit: InFlightLimit(limit: configuration.maxInFlight))
        .addRoutes(to: router)

    // The database (jobs, cameras, track records) is an addition to the tracker function: one that
    // cannot be opened (a read-only file system, PostgreSQL down at start) leaves /run serving,
    // and the other routes say why.
    var services: [any Service] = []
    let database: StoreDatabase
    do {
        database = try await openDatabase(configuration: configuration, logger: logger)
        services.append(DatabaseCloser(database: database, logger: logger))
    } catch {
        let reason = "the database could not be opened (\(error))"
        logger.error("\(reason)")
        refuse(jobRoutes + cameraRoutes, on: router, code: "database_unavailable", reason)
        return finish(router: router, services: [], configuration: configuration, logger: logger, onServerRunning: onServerRunning)
    }
    do {
        services.append(try await addJobRoutes(to: router, database: database, configuration: configuration, logger: logger))
    } catch {
        let reason = "detection jobs are unavailable: the data folder \(configuration.dataDirectory) could not be opened (\(error))"
        logger.error("\(reason)")
        refuse(jobRoutes, on: router, code: "jobs_unavailable", reason)
    }
    services += try await addCameraRoutes(to: router, database: database, configuration: configuration, metrics: metrics,
                                          logger: logger)
    return finish(router: router, services: services, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
}

private let jobRoutes: [(HTTPRequest.Method, String)] = [
    (.get, "/"), (.get, "/static/:file"), (.get, "/dashboard"), (.get, "/jobs"), (.get, "/jobs/:id"), (.get, "/jobs/:id/video"),
    (.get, "/jobs/:id/detections"), (.post, "/jobs"), (.delete, "/jobs/:id"),
]
private let cameraRoutes: [(HTTPRequest.Method, String)] = [
    (.get, "/cameras"), (.post, "/cameras"), (.get, "/cameras/:id"), (.patch, "/cameras/:id"), (.delete, "/cameras/:id"),
    (.get, "/cameras/:id/tracks"), (.post, "/cameras/:id/tracks"),
    (.get, "/cameras/:id/zone"), (.get, "/cameras/:id/zones"), (.post, "/cameras/:id/zones"), (.get, "/cameras/:id/zones/:name"),
    (.delete, "/cameras/:id/zones/:name"), (.get, "/cameras/:id/crowd"), (.get, "/cameras/:id/stays/top"),
    (.get, "/cameras/:id/heatmap.json"), (.get, "/cameras/:id/trajectories.json"),
]

/// Routes that answer 503 with `reason`: their part of the service could not start.
private func refuse(_ routes: [(HTTPRequest.Method, String)], on router: Router<BasicRequestContext>, code: String, _ reason: String) {
    let unavailable = ErrorResponse(error: TrackingError(.internalFailure, code: code, reason), status: .serviceUnavailable)
    for (method, path) in routes {
        router.on(RouterPath(path), method: method) { _, _ -> Response in throw unavailable }
    }
}

/// PostgreSQL when configured (every replica shares it), else the SQLite file under the data folder.
private func openDatabase(configuration: ServiceConfiguration, logger: Logger) async throws -> StoreDatabase {
    if let url = configuration.databaseURL {
        return try await StoreDatabase.openPostgreSQL(url: url, logger: logger)
    }
    let files = JobFiles(root: configuration.dataDirectory)
    try files.prepare()
    return try await StoreDatabase.openSQLite(path: files.databasePath, logger: logger)
}

private func finish(router: Router<BasicRequestContext>, services: [any Service], configuration: ServiceConfiguration,
                    logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
    var app = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "video-tracker"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
    // Services stop in reverse order after the server: the cameras, the jobs, then the record
    // writer's last flush, then the database.
    app.addServices(services)
    return app
}

/// The detection jobs: their files, the queue that runs them, the API and the page.
private func addJobRoutes(to router: Router<BasicRequestContext>, database: StoreDatabase,
                          configuration: ServiceConfiguration, logger: Logger) async throws -> JobQueue {
    let files = JobFiles(root: configuration.dataDirectory)
    try files.prepare()
    let store = JobStore(database: database)
    let detector = makeJobDetector(configuration: configuration)
    var fetch = HTTPSourceOptions()
    fetch.destinations = DestinationPolicy(allowPrivateNetworks: configuration.allowPrivateNetworks,
                                           allowedHosts: configuration.allowedHosts)
    fetch.connectTimeoutSeconds = configuration.connectTimeoutSeconds
    fetch.stallTimeoutSeconds = configuration.stallTimeoutSeconds
    let runner = JobRunner(files: files, detector: detector, fetchOptions: fetch, maxVideoBytes: configuration.maxUploadBytes)
    let queue = JobQueue(database: database, files: files, runner: runner, concurrency: configuration.jobsConcurrency, logger: logger)
    try await queue.recover()
    if let reason = detector.unavailableReason {
        logger.notice("detection jobs unavailable", metadata: ["reason": "\(reason.message)"])
    }

    let defaults = JobOptions.defaults
    let page = try await PageController.load(defaults: .init(
        score: defaults.scoreThreshold, trackingScore: JobOptions.trackingScore, every: defaults.every, inputSize: defaults.inputSize,
        classNames: detector.classNames, maxUploadBytes: configuration.maxUploadBytes))
    page.addRoutes(to: router)
    DashboardController(templates: page.templates).addRoutes(to: router)
    JobController(configuration: configuration, store: store, files: files, queue: queue, detector: detector, page: page)
        .addRoutes(to: router)
    return queue
}

/// The cameras: the API, the supervisor running this replica's share, the record writer, and
/// the retention. Returned in the order they start (and stop in reverse).
private func addCameraRoutes(to router: Router<BasicRequestContext>, database: StoreDatabase,
                             configuration: ServiceConfiguration, metrics: ServiceMetrics,
                             logger: Logger) async throws -> [any Service] {
    let cameras = CameraStore(database: database)
    let tracks = TrackStore(database: database)
    let buffer = TrackRecordBuffer(capacity: configuration.recordBufferCapacity)
    let writer = TrackWriter(buffer: buffer, store: tracks, logger: logger)
    var settings = CameraSupervisor.Settings(replicaID: configuration.replicaID)
    settings.leaseTTL = .milliseconds(Int64(configuration.cameraLeaseSeconds * 1000))
    settings.models = configuration.models.directory
    settings.inference = configuration.models.options
    settings.precision = configuration.detectorPrecision
    let supervisor = CameraSupervisor(settings: settings, cameras: cameras, tracks: tracks, buffer: buffer, writer: writer,
                                      logger: logger)
    let names = configuration.models.directory.flatMap { try? ClassNames(contentsOfFile: $0 + "/" + ObjectDetector.namesFile) }
    let controller = CameraController(configuration: configuration, cameras: cameras, tracks: tracks, supervisor: supervisor,
                                      buffer: buffer, classNames: names)
    controller.addRoutes(to: router)
    TrackRecordController(cameras: controller).addRoutes(to: router)
    let zones = ZoneController(cameras: controller, zones: ZoneStore(database: database))
    zones.addRoutes(to: router)
    AnalyticsController(cameras: controller, analytics: TrackAnalytics(database: database), zones: zones).addRoutes(to: router)
    metrics.watchCameras(supervisor: supervisor, buffer: buffer)
    var services: [any Service] = [writer, supervisor]
    if let days = configuration.retentionDays { services.append(RecordRetention(days: days, tracks: tracks, logger: logger)) }
    return services
}

/// Closes the database when everything that uses it has stopped.
struct DatabaseCloser: Service {
    let database: StoreDatabase
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        // In a task of its own: NIO's thread pool refuses work from a cancelled one.
        let database = database, logger = logger
        await Task {
            do { try await database.shutdown() } catch { logger.error("closing the database failed", metadata: ["error": "\(error)"]) }
        }.value
    }
}

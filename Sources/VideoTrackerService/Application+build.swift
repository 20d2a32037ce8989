import Hummingbird
import Logging
import VideoTracker
import VideoTrackerStore

/// Builds the HTTP service. Tests call this in-process; `video-tracker serve` runs it. It opens
/// the job database under `configuration.dataDirectory` (creating it) and requeues jobs a
/// stopped process left running, so it is async.
public func buildApplication(
    configuration: ServiceConfiguration,
    metrics: ServiceMetrics = ServiceMetrics(),
    logger: Logger = Logger(label: "video-tracker"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let routes = RouteTable([
        "/run": [.post], "/healthz": [.get], "/metrics": [.get],
        "/": [.get], "/static/:file": [.get],
        "/jobs": [.get, .post], "/jobs/:id": [.get, .delete],
        "/jobs/:id/video": [.get], "/jobs/:id/detections": [.get],
    ])
    let router = Router()
    router.add(middleware: ErrorShapeMiddleware())
    router.add(middleware: RequestCountMiddleware(metrics: metrics, routes: routes))
    router.add(middleware: MethodCheckMiddleware(routes: routes))
    if let token = configuration.token {
        router.add(middleware: BearerTokenMiddleware(token: token, openPaths: ["/healthz"]))
    }
    router.get("/healthz") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}\n")))
    }
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }
    TrackController(configuration: configuration, metrics: metrics, limit: InFlightLimit(limit: configuration.maxInFlight))
        .addRoutes(to: router)

    // The detection jobs are an addition to the tracker function: a data folder that cannot be
    // made or opened (a read-only file system) leaves /run serving, and the jobs routes say why.
    var queue: JobQueue?
    do {
        queue = try await addJobRoutes(to: router, configuration: configuration, logger: logger)
    } catch {
        let reason = "detection jobs are unavailable: the data folder \(configuration.dataDirectory) could not be opened (\(error))"
        logger.error("\(reason)")
        let unavailable = ErrorResponse(error: TrackingError(.internalFailure, code: "jobs_unavailable", reason),
                                        status: .serviceUnavailable)
        for path in ["/", "/static/:file", "/jobs", "/jobs/:id", "/jobs/:id/video", "/jobs/:id/detections"] {
            router.get(RouterPath(path)) { _, _ -> Response in throw unavailable }
        }
        router.post("/jobs") { _, _ -> Response in throw unavailable }
        router.delete("/jobs/:id") { _, _ -> Response in throw unavailable }
    }

    var app = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "video-tracker"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
    if let queue { app.addServices(queue) }
    return app
}

/// The detection jobs: their database and files, the queue that runs them, the API and the page.
private func addJobRoutes(to router: Router<BasicRequestContext>, configuration: ServiceConfiguration,
                          logger: Logger) async throws -> JobQueue {
    let files = JobFiles(root: configuration.dataDirectory)
    try files.prepare()
    let database = try await StoreDatabase.openSQLite(path: files.databasePath, logger: logger)
    do {
        return try await addJobRoutes(to: router, database: database, files: files, configuration: configuration, logger: logger)
    } catch {
        try? await database.shutdown()
        throw error
    }
}

private func addJobRoutes(to router: Router<BasicRequestContext>, database: StoreDatabase, files: JobFiles,
                          configuration: ServiceConfiguration, logger: Logger) async throws -> JobQueue {
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
    JobController(configuration: configuration, store: store, files: files, queue: queue, detector: detector, page: page)
        .addRoutes(to: router)
    return queue
}

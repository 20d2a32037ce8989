import Hummingbird
import Logging
import VideoTracker

/// Builds the HTTP service. Tests call this in-process; `video-tracker serve` runs it.
public func buildApplication(
    configuration: ServiceConfiguration,
    metrics: ServiceMetrics = ServiceMetrics(),
    logger: Logger = Logger(label: "video-tracker"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: ErrorShapeMiddleware())
    router.add(middleware: RequestCountMiddleware(metrics: metrics))
    router.add(middleware: MethodCheckMiddleware(routes: ["/run": [.post], "/healthz": [.get], "/metrics": [.get]]))
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

    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "video-tracker"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

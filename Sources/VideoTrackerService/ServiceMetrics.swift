import Hummingbird
import Prometheus
import Synchronization
import VideoTracker

/// The service's Prometheus metrics, one registry per application (so tests can run several).
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let framesDecoded: Counter
    let framesTracked: Counter
    let boxesTracked: Counter
    let bytesFetched: Counter
    let partialAnswers: Counter
    let inFlight: Gauge
    let runDuration: DurationHistogram

    private static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "video_tracker", metricName: "requests", unitName: "total",
                             helpText: "HTTP requests by path and status")
    }

    public init() {
        framesDecoded = registry.makeCounter(descriptor: .init(namespace: "video_tracker", metricName: "frames_decoded", unitName: "total", helpText: "Video frames decoded, including those skipped after a seek"))
        framesTracked = registry.makeCounter(descriptor: .init(namespace: "video_tracker", metricName: "frames_tracked", unitName: "total", helpText: "Frames answered with boxes"))
        boxesTracked = registry.makeCounter(descriptor: .init(namespace: "video_tracker", metricName: "boxes_tracked", unitName: "total", helpText: "Tracker updates (frames times annotations)"))
        bytesFetched = registry.makeCounter(descriptor: .init(namespace: "video_tracker", metricName: "bytes_fetched", unitName: "total", helpText: "Video bytes fetched from upstream"))
        partialAnswers = registry.makeCounter(descriptor: .init(namespace: "video_tracker", metricName: "partial_answers", unitName: "total", helpText: "Answers cut short by the deadline, the caller or upstream"))
        inFlight = registry.makeGauge(descriptor: .init(namespace: "video_tracker", metricName: "requests_in_flight", unitName: "", helpText: "Tracking requests running now"))
        runDuration = registry.makeDurationHistogram(
            descriptor: .init(namespace: "video_tracker", metricName: "run_duration", unitName: "seconds",
                              helpText: "Time from request to last frame of POST /run"),
            buckets: [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                      .seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(45), .seconds(60)])
    }

    /// Reads the cameras' numbers when /metrics is asked (set by the camera supervisor).
    private let cameraReading = Mutex<(@Sendable () -> [CameraMetrics])?>(nil)

    struct CameraMetrics: Sendable {
        var camera: String
        var framesProcessed: Int
        var framesPerSecond: Double
        var lagSeconds: Double
        var reconnects: Int
        var recordsWritten: Int
        var recordsDropped: Int
        var recordsWaiting: Int
    }

    func watchCameras(supervisor: CameraSupervisor, buffer: TrackRecordBuffer) {
        cameraReading.withLock { reading in
            reading = { [weak supervisor] in
                guard let supervisor else { return [] }
                return supervisor.runningIDs.compactMap { id in
                    guard let local = supervisor.local(id) else { return nil }
                    let counts = buffer.counts(camera: id)
                    return CameraMetrics(camera: id, framesProcessed: local.counters.framesProcessed,
                                         framesPerSecond: local.counters.framesPerSecond, lagSeconds: local.counters.lagSeconds,
                                         reconnects: local.counters.reconnects, recordsWritten: counts.written,
                                         recordsDropped: counts.dropped, recordsWaiting: counts.pending)
                }
            }
        }
    }

    /// The registry's text, the cameras' gauges set first (per camera this replica runs).
    func exposition() -> [UInt8] {
        for camera in cameraReading.withLock({ $0 })?() ?? [] {
            let labels = [("camera", camera.camera)]
            func gauge(_ name: String, _ help: String, _ value: Double) {
                registry.makeGauge(descriptor: .init(namespace: "video_tracker", metricName: name, unitName: "",
                                                     helpText: help), labels: labels).set(value)
            }
            gauge("camera_frames_processed", "Frames a camera processed since this replica started it", Double(camera.framesProcessed))
            gauge("camera_fps", "Frames a second a camera processes now", camera.framesPerSecond)
            gauge("camera_lag_seconds", "How far a live camera's last processed frame is behind its capture", camera.lagSeconds)
            gauge("camera_reconnects", "Reconnects of a camera's stream since this replica started it", Double(camera.reconnects))
            gauge("camera_records_written", "Track records of a camera stored since this replica started", Double(camera.recordsWritten))
            gauge("camera_records_dropped", "Track records dropped: the memory bound was reached while the database was down",
                  Double(camera.recordsDropped))
            gauge("camera_records_waiting", "Track records in memory waiting for the database", Double(camera.recordsWaiting))
        }
        return registry.emitToBuffer()
    }

    func countRequest(path: String, status: Int) {
        registry.makeCounter(descriptor: Self.requests, labels: [("path", path), ("status", String(status))]).increment()
    }

    func record(_ summary: TrackingSummary, annotations: Int) {
        framesDecoded.increment(by: Int64(summary.framesDecoded))
        framesTracked.increment(by: Int64(summary.framesTracked))
        boxesTracked.increment(by: Int64(summary.framesTracked * annotations))
        bytesFetched.increment(by: summary.bytesFetched)
        if summary.partial { partialAnswers.increment() }
    }
}

/// Counts every request by route (`/jobs/:id`, not each id) and final status (errors included).
struct RequestCountMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = routes.match(request.uri.path)?.template ?? "other"
        do {
            let response = try await next(request, context)
            metrics.countRequest(path: path, status: response.status.code)
            return response
        } catch {
            metrics.countRequest(path: path, status: (error as? HTTPResponseError)?.status.code ?? 500)
            throw error
        }
    }
}

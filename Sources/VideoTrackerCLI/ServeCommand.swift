import ArgumentParser
import CVideoTracker
import Foundation
import Logging
import VideoTracker
import VideoTrackerService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (POST /run, detection jobs at /jobs and their page at /, GET /healthz, GET /metrics).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @OptionGroup var upstream: UpstreamOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Tracking requests at once; more get 503 with Retry-After.") var maxInFlight = 10
    @Option(help: "Seconds after which a request returns what it has, marked partial.") var deadline = 55.0
    @Option(help: "Most annotations in one request.") var maxAnnotations = 50
    @Option(help: "Largest frame_duration accepted.") var maxFrameDuration = 10_000
    @Option(help: "Largest request body in bytes.") var maxBodyBytes = 1 << 20
    @Option(help: "libavcodec threads per request (0: libavcodec decides).") var decoderThreads = 0
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "File holding a bearer token that every route but /healthz then requires (or set VIDEO_TRACKER_TOKEN).")
    var tokenFile: String?
    @Option(help: ArgumentHelp("Folder for detection jobs: their database (SQLite) and files.", valueName: "dir"))
    var dataDir = "video-tracker-data"
    @Option(help: "Largest video a detection job takes, uploaded or fetched, in bytes (more: 413).")
    var maxUploadBytes: Int64 = 2 << 30
    @Option(help: "Detection jobs run at once; the rest wait in the queue.")
    var jobsConcurrency = 1
    @Option(help: ArgumentHelp("PostgreSQL for jobs, cameras and track records, shared by every replica "
                               + "(postgres://user:password@host:5432/db); default: SQLite under --data-dir. Or set VIDEO_TRACKER_DATABASE_URL.",
                               valueName: "url"))
    var databaseURL: String?
    @Option(help: "This replica's name in the camera leases (default: host name and process id).")
    var replicaId: String?
    @Option(help: "Seconds a camera's lease lasts unrenewed: how soon another replica takes over a dead one's cameras.")
    var cameraLeaseSeconds = 15.0
    @Option(help: "Track records held in memory while the database is unreachable; past this the oldest are dropped (and counted).")
    var recordBuffer = 500_000
    @Option(help: "Delete track records older than this many days (hourly, in the background); default: keep them.")
    var retentionDays: Double?

    func run() async throws {
        keepResidentMemoryFlat()
        // Requests and their trackers already run in parallel on every core; OpenCV's own thread
        // pool on top would only compete for the same cores.
        cvt_set_opencv_threads(1)
        var configuration = ServiceConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.allowPrivateNetworks = upstream.allowPrivateNetworks
        configuration.allowedHosts = upstream.allowedHosts
        configuration.connectTimeoutSeconds = upstream.connectTimeout
        configuration.stallTimeoutSeconds = upstream.stallTimeout
        configuration.maxInFlight = maxInFlight
        configuration.deadlineSeconds = deadline
        configuration.limits.maxAnnotations = maxAnnotations
        configuration.limits.maxFrameDuration = maxFrameDuration
        configuration.maxBodyBytes = maxBodyBytes
        configuration.decoderThreads = decoderThreads
        configuration.token = try readToken()
        guard maxUploadBytes > 0 else { throw ValidationError("--max-upload-bytes must be at least 1") }
        guard jobsConcurrency >= 1 else { throw ValidationError("--jobs-concurrency must be at least 1") }
        configuration.dataDirectory = dataDir
        configuration.maxUploadBytes = maxUploadBytes
        configuration.jobsConcurrency = jobsConcurrency
        let environment = ProcessInfo.processInfo.environment
        configuration.databaseURL = databaseURL ?? environment["VIDEO_TRACKER_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let url = configuration.databaseURL, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            throw ValidationError("--database-url must be a postgres:// URL (SQLite is the default, under --data-dir); got \(url)")
        }
        configuration.replicaID = replicaId ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        guard cameraLeaseSeconds >= 1, cameraLeaseSeconds <= 3600 else {
            throw ValidationError("--camera-lease-seconds must be between 1 and 3600")
        }
        configuration.cameraLeaseSeconds = cameraLeaseSeconds
        guard recordBuffer >= 1 else { throw ValidationError("--record-buffer must be at least 1") }
        configuration.recordBufferCapacity = recordBuffer
        if let retentionDays, !(retentionDays > 0) { throw ValidationError("--retention-days must be above 0") }
        configuration.retentionDays = retentionDays
        var logger = Logger(label: "video-tracker")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        configuration.models = try await loadModels(logger: logger)
        configuration.detectorPrecision = try modelOptions.chosenPrecision()
        let app = try await buildApplication(configuration: configuration, logger: logger) { [logger, host] port in
            logger.notice("listening", metadata: ["url": "http://\(host):\(port)"])
        }
        try await app.runService()
    }

    /// Every model is compiled before the first request; one that is missing or broken is logged
    /// with its reason and only the trackers needing it are unavailable.
    private func loadModels(logger: Logger) async throws -> TrackerModels {
        let models = try modelOptions.trackerModels()
        guard let directory = models.directory else {
            logger.notice("no models folder (--models DIR): OpenCV trackers only, default csrt")
            return models
        }
        // Compiling is blocking C work: off Swift's cooperative threads.
        let problems = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: models.preload()) }.start()
        }
        for problem in problems { logger.error("model unavailable", metadata: ["reason": "\(problem)"]) }
        logger.notice("models loaded", metadata: ["folder": "\(directory)", "default_tracker": "\(models.defaultTracker.rawValue)",
                                                   "openvino": "\(InferenceRuntime.version)"])
        return models
    }

    private func readToken() throws -> String? {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw ValidationError("cannot read --token-file \(tokenFile)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ValidationError("--token-file \(tokenFile) is empty") }
            return token
        }
        let fromEnvironment = ProcessInfo.processInfo.environment["VIDEO_TRACKER_TOKEN"] ?? ""
        return fromEnvironment.isEmpty ? nil : fromEnvironment
    }
}

/// Each request allocates a few large buffers (a 4 MiB byte range, frames, OpenCV's matrices) on
/// threads of its own. With glibc's defaults the mmap threshold creeps up after the first frees and
/// each thread may get its own arena, so those buffers end up in heaps that are never given back:
/// resident memory grew 1.4x over 200 requests. A fixed threshold keeps large buffers in mmap
/// (returned on free) and fewer arenas bound the fragmentation.
private func keepResidentMemoryFlat() {
    _ = cvt_malloc_tune(256 * 1024, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
}

import VideoTracker

/// Everything `video-tracker serve` can be told; the defaults fit the annotation studio's
/// deployment (60 s caller timeout, 10 requests at once, at most 50 annotations a call).
public struct ServiceConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Fetch from loopback, private and link-local addresses (tests and local use).
    public var allowPrivateNetworks = false
    /// When not empty, the only hosts videos are fetched from ("cdn.example.com", ".example.com").
    public var allowedHosts: [String] = []
    /// Upstream: give up connecting after this long, and abandon a transfer that moves no byte for this long.
    public var connectTimeoutSeconds = 10
    public var stallTimeoutSeconds = 15
    public var limits = RequestLimits()
    public var maxBodyBytes = 1 << 20
    /// Requests tracked at once; more get 503 with Retry-After.
    public var maxInFlight = 10
    /// Each request returns by then with what it has, marked partial: under the caller's 60 s.
    public var deadlineSeconds = 55.0
    public var decoderThreads = 0
    /// When set, every route but `/healthz` requires `Authorization: Bearer <token>`.
    public var token: String?
    /// The neural trackers' models (none: OpenCV's trackers only, CSRT the default); detection
    /// jobs need its YOLOX-Nano.
    public var models = TrackerModels.none
    /// The detector's precision for jobs and cameras when the operator chose one
    /// (`--inference-precision`); nil: `DetectorOptions.defaultPrecision` (bf16 where the CPU has it).
    public var detectorPrecision: InferenceOptions.Precision?
    /// Detection jobs: their database and files live here (created if missing).
    public var dataDirectory = "video-tracker-data"
    /// The largest video a job takes, uploaded or fetched from a URL (2 GiB).
    public var maxUploadBytes: Int64 = 2 << 30
    /// Detection jobs run at once; the rest wait in the queue.
    public var jobsConcurrency = 1
    /// PostgreSQL shared by every replica; nil: SQLite under `dataDirectory`.
    public var databaseURL: String?
    /// This process's name in the camera leases.
    public var replicaID = "replica-\(Int.random(in: 0..<1_000_000))"
    /// A camera lease not renewed for this long goes to another replica.
    public var cameraLeaseSeconds = 15.0
    /// Track records waiting in memory while the database is unreachable, at most.
    public var recordBufferCapacity = 500_000
    /// Track records older than this are deleted in the background; nil keeps them.
    public var retentionDays: Double?

    public init() {}
}

/// How a job runs; the service and the CLI fill these from their flags.
public struct TrackingOptions: Sendable {
    public var destinations = DestinationPolicy()
    /// Plain paths as `item_stream_url` (the CLI allows them; the service never does).
    public var allowLocalFiles = false
    /// Stop here and return what was tracked, marked partial.
    public var deadline: ContinuousClock.Instant?
    /// Update trackers on all cores (false: one after another, for comparisons).
    public var parallel = true
    /// libavcodec threads; 0 lets libavcodec choose.
    public var decoderThreads = 0
    /// Frames decoded ahead of tracking.
    public var prefetchFrames = 4
    public var connectTimeoutSeconds = 10
    public var stallTimeoutSeconds = 15
    /// The neural trackers' models, shared by every job of the process.
    public var models = TrackerModels.none

    public init() {}
}

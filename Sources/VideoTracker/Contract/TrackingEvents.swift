/// The boxes of one frame, in the request's annotation order; nil where the object was lost.
public struct FrameUpdate: Sendable, Equatable {
    public var frame: Int
    public var boxes: [Box?]
    /// Share of the requested frames done, 0...1.
    public var progress: Double

    public init(frame: Int, boxes: [Box?], progress: Double) {
        self.frame = frame
        self.boxes = boxes
        self.progress = progress
    }
}

/// Why tracking stopped.
public enum StopReason: String, Sendable {
    /// Every requested frame was tracked.
    case completed
    /// The video ended before `frame_duration` frames.
    case videoEnded = "video_ended"
    /// The deadline passed; what was tracked so far is returned.
    case deadline
    /// The caller went away.
    case cancelled
    /// The video stopped arriving or decoding part-way; what was tracked so far is returned.
    case upstreamFailed = "upstream_failed"

    /// Whether fewer frames than asked came back for a reason other than the video's end.
    public var isPartial: Bool { self == .deadline || self == .cancelled || self == .upstreamFailed }
}

/// Totals, sent as the last NDJSON line and logged.
public struct TrackingSummary: Sendable {
    public var framesTracked: Int
    public var framesRequested: Int
    public var stopReason: StopReason
    /// Set when the stop came with a message (upstream failure).
    public var detail: String?
    /// Frames each annotation was lost in, in annotation order.
    public var lostFrames: [Int]
    public var seconds: Double
    public var framesDecoded: Int
    public var bytesFetched: Int64
    public var videoWidth: Int
    public var videoHeight: Int
    public var framesPerSecond: Double

    public var partial: Bool { stopReason.isPartial }
}

/// What a running job reports.
public enum TrackingEvent: Sendable {
    case frame(FrameUpdate)
    case finished(TrackingSummary)
}

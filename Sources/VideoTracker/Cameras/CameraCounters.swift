/// How a camera's session is doing, read at any time (`CameraSession.counters`).
public struct CameraCounters: Sendable, Equatable {
    /// Frames decoded from the stream, over every connection.
    public var framesRead = 0
    /// Frames delivered to the sink (after sampling down to the camera's rate).
    public var framesProcessed = 0
    /// Sampled frames of a live stream passed over because processing fell a queue behind
    /// (`CameraSessionOptions.queueLength`: a live view must not fall further and further behind).
    public var framesDropped = 0
    /// Frames processed a second, over the last few seconds.
    public var framesPerSecond = 0.0
    /// For a live stream, seconds between the last processed frame's capture and its delivery:
    /// how far behind live the output is. 0 for a file, or before any frame.
    public var lagSeconds = 0.0
    /// Times a connection that had delivered frames was lost (an ended live stream, a stall, an error).
    public var reconnects = 0
    /// Capture time of the last processed frame (microseconds since the epoch), nil before any.
    public var lastFrameTime: Int64?

    public init() {}
}

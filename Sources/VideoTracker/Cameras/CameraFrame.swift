/// One processed frame of a camera, as the session's sink receives it.
public struct CameraFrame: Sendable {
    /// Capture time, microseconds since the epoch (UTC): wall clock at arrival for a live stream,
    /// start time plus timestamp for a file (`CaptureClock`).
    public var timeMicroseconds: Int64
    /// `round(time_s * fps)` at the camera's rate: the `frame` of its track records. Increases
    /// from frame to frame.
    public var index: Int64
    /// The frame's timestamp after its stream's start, in seconds; nil when it has none. A live
    /// stream's restarts from its new start after a reconnect.
    public var streamSeconds: Double?
    /// The tracks on this frame (boxes, scores, classes and track ids); nil for a frame the
    /// detector skipped (`detectEvery` > 1), whose objects are unknown, not absent.
    public var detections: Detections?
    /// The decoded picture (BGR). The session reuses it for a later frame unless the sink keeps
    /// a reference: keep it, or encode it (`JPEGEncoder`) before returning.
    public var image: FrameBuffer

    public init(timeMicroseconds: Int64, index: Int64, streamSeconds: Double?, detections: Detections?, image: FrameBuffer) {
        self.timeMicroseconds = timeMicroseconds
        self.index = index
        self.streamSeconds = streamSeconds
        self.detections = detections
        self.image = image
    }
}

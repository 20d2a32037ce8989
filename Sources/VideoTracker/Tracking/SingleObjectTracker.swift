/// What a tracker made of one frame.
enum TrackerOutcome {
    case located(Box)
    case lost
    /// The tracker's library failed; the tracker is not used again.
    case failed(String)
}

/// One object followed through the frames of one request (an OpenCV tracker or NanoTrack).
/// Used by one thread at a time; different trackers run on different threads at once.
protocol SingleObjectTracker: AnyObject, Sendable {
    /// Begins on the start frame's box.
    func start(on frame: FrameBuffer) -> TrackerOutcome
    /// The object's box in the next frame.
    func update(on frame: FrameBuffer) -> TrackerOutcome
}

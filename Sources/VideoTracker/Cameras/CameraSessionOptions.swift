import Foundation

/// How a camera is processed (the `cameras` row's settings, plus what the service decides).
public struct CameraSessionOptions: Sendable {
    /// Frames a second processed from the stream (sampled down by capture time), and the rate
    /// frame indices are counted at.
    public var framesPerSecond: Double
    /// Detect every Nth processed frame (1: every one); the tracker runs at fps / N.
    public var detectEvery = 1
    /// COCO class names to keep (nil: whatever the detector keeps); matched without regard to case.
    public var classes: [String]? = ["person"]
    /// ByteTrack's settings.
    public var tracking = ByteTrackOptions()
    /// The first track id handed out: one past the largest the camera stored, so ids never repeat.
    public var firstTrackID = 1
    /// A read that gets no data for this long is abandoned (and the stream reconnected).
    public var stallTimeout: Duration = .seconds(10)
    /// Sampled frames of a live stream waiting for the detector at most (a burst, such as an HLS
    /// segment, is absorbed; past it the oldest are dropped, so the output stays at most this many
    /// frames behind live). Each is a decoded picture: 8 of 1080p are 50 MB.
    public var queueLength = 8
    /// nil: decided when opened (a finite duration on a seekable input is a file).
    public var sourceKind: SourceKind? = nil
    /// A file's capture time of its first frame, microseconds since the epoch; nil: the
    /// container's creation_time, else the time it was opened.
    public var fileStartTime: Int64? = nil

    /// Overrides the live-or-file decision.
    public enum SourceKind: String, Sendable {
        case live, file
    }

    public init(framesPerSecond: Double) {
        self.framesPerSecond = framesPerSecond
    }

    public func validate() throws {
        guard framesPerSecond.isFinite, framesPerSecond > 0, framesPerSecond <= 120 else {
            throw TrackingError.invalid("fps", "fps must be above 0 and at most 120; got \(framesPerSecond)")
        }
        guard detectEvery >= 1 else {
            throw TrackingError.invalid("every_frames", "every_frames must be 1 (every frame) or more; got \(detectEvery)")
        }
        guard firstTrackID >= 1 else {
            throw TrackingError.invalid("first_track_id", "the first track id must be 1 or more; got \(firstTrackID)")
        }
        guard queueLength >= 1 else {
            throw TrackingError.invalid("queue_length", "the queue must hold at least one frame; got \(queueLength)")
        }
        guard stallTimeout > .zero else {
            throw TrackingError.invalid("stall_timeout", "the stall timeout must be positive")
        }
        if let classes, classes.isEmpty {
            throw TrackingError.invalid("classes", "classes must name at least one class, or be left out for all")
        }
        try tracking.validate()
    }
}

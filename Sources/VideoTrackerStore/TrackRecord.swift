/// One tracked box a camera saw at one moment: a row of `track_records`. A camera never stores
/// the same (track, time) twice.
public struct TrackRecord: Sendable, Equatable, Hashable {
    public var cameraID: String
    /// Unique per camera for ever: a new session numbers its tracks after the camera's largest.
    public var trackID: Int64
    /// Capture time, microseconds since 1970, UTC.
    public var timeMicroseconds: Int64
    /// Frame index at the camera's fps (imports: round(start_s * F) + f - 1).
    public var frame: Int64
    /// COCO class id (person 0); imports: 0.
    public var classID: Int
    /// Top-left corner and size, pixels.
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public var score: Double

    public init(cameraID: String, trackID: Int64, timeMicroseconds: Int64, frame: Int64, classID: Int,
                x: Double, y: Double, width: Double, height: Double, score: Double) {
        self.cameraID = cameraID
        self.trackID = trackID
        self.timeMicroseconds = timeMicroseconds
        self.frame = frame
        self.classID = classID
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.score = score
    }
}

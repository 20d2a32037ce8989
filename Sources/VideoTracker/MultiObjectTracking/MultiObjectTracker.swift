/// Tracks every class apart (a person is never matched to a car's box), each with its own BYTE
/// tracker and one id counter for all: the entry point of multi-object tracking.
public final class MultiObjectTracker {
    public let options: ByteTrackOptions
    private let framesPerSecond: Double
    private let ids = TrackIDs()
    private var trackers: [Int: ByteTracker] = [:]

    /// `framesPerSecond`: of the frames given to `update` (the video's rate over `every`).
    public init(options: ByteTrackOptions = ByteTrackOptions(), framesPerSecond: Double) {
        self.options = options
        self.framesPerSecond = framesPerSecond
    }

    /// One frame's detections in, the same frame's tracks out (ordered by class, then id).
    /// Every class seen so far is updated, with no detections when it has none on this frame, so
    /// its tracks age as the others do.
    public func update(_ detections: Detections) -> Detections {
        for classID in Set(detections.classIDs) where trackers[classID] == nil {
            trackers[classID] = ByteTracker(options: options, framesPerSecond: framesPerSecond, ids: ids)
        }
        var tracks = Detections(trackIDs: [])
        for classID in trackers.keys.sorted() {
            tracks.append(contentsOf: trackers[classID]!.update(detections.filter { detections.classIDs[$0] == classID }))
        }
        return tracks
    }
}

/// Tracks every class apart (a person is never matched to a car's box), each with its own BYTE
/// tracker and one id counter for all: the entry point of multi-object tracking.
public final class MultiObjectTracker {
    public let options: ByteTrackOptions
    private let framesPerSecond: Double
    private let ids: TrackIDs
    private var trackers: [Int: ByteTracker] = [:]

    /// `framesPerSecond`: of the frames given to `update` (the video's rate over `every`).
    /// `firstTrackID`: the first id handed out (a camera's session starts after the ids it stored before).
    public init(options: ByteTrackOptions = ByteTrackOptions(), framesPerSecond: Double, firstTrackID: Int = 1) {
        self.options = options
        self.framesPerSecond = framesPerSecond
        ids = TrackIDs(startingAfter: firstTrackID - 1)
    }

    /// One frame's detections in, the same frame's tracks out (ordered by class, then id).
    /// Every class seen so far is updated, with no detections when it has none on this frame, so
    /// its tracks age as the others do. `elapsedFrames`: see `ByteTracker.update`.
    public func update(_ detections: Detections, elapsedFrames: Int = 1) -> Detections {
        for classID in Set(detections.classIDs) where trackers[classID] == nil {
            trackers[classID] = ByteTracker(options: options, framesPerSecond: framesPerSecond, ids: ids)
        }
        var tracks = Detections(trackIDs: [])
        for classID in trackers.keys.sorted() {
            tracks.append(contentsOf: trackers[classID]!.update(detections.filter { detections.classIDs[$0] == classID },
                                                                elapsedFrames: elapsedFrames))
        }
        return tracks
    }
}

/// How BYTE associates detections with tracks. ByteTrack's published values except where
/// bench/mot_sweep.py found better on both shared sequences together (PETS09 at 10 fps, TUD at
/// 25 fps; bench/results/mot_sweep.md): a higher confidence bar, a looser first-round match, a
/// longer lost buffer, and the detection's box reported. The lost buffer is in seconds so that
/// 7 fps and 30 fps videos keep a lost person equally long.
public struct ByteTrackOptions: Sendable, Equatable {
    /// Detections scoring above this are matched first (ByteTrack's `track_thresh`, 0.5 there).
    /// At 0.6 fewer doubtful boxes steer the confident round: IDF1 +6.4 on PETS09, +0.4 on TUD.
    public var highScore: Float = 0.6
    /// Detections scoring between this and `highScore` are matched second, only to tracks the
    /// confident detections left over (an occluded person's faint box keeps their track alive).
    public var lowScore: Float = 0.1
    /// An unmatched confident detection starts a track only above this (`track_thresh + 0.1`, as
    /// ByteTrack ties them).
    public var newTrackScore: Float = 0.7
    /// Largest cost (1 - IoU x score) of a first-round match (`match_thresh`, 0.8 there). ByteTrack
    /// tuned 0.8 at 30 fps; at 7 to 25 fps a walking person's box moves further between frames
    /// (and a far person's is narrow), so predicted and detected boxes overlap less: at 0.95 any
    /// real overlap may match, and the assignment still prefers the largest.
    public var matchLimit = 0.95
    /// Largest cost (1 - IoU) of a second-round match with a low-score detection (0.5 in
    /// ByteTrack). 0.4 asks a faint box to overlap the lost track's prediction more before it keeps
    /// that track alive: TUD-Stadtmitte MOTA +0.8 at bf16 and +0.1 at f32, PETS09 within 0.1
    /// (bench/results/mot_sweep-precisions.md, both sequences at both precisions).
    public var secondMatchLimit = 0.4
    /// Largest cost of matching a track seen once (unconfirmed) to a detection.
    public var unconfirmedMatchLimit = 0.7
    /// How long a track that lost its detections is kept for a later match (ByteTrack: 30 frames
    /// at 30 fps). People walking behind others stay hidden for more than a second (TUD); past
    /// 2 s a lost track's predicted box has drifted too far to match anyway (4 s gives the same).
    public var lostSeconds = 2.0
    /// Fold the detection score into the IoU cost (ByteTrack does, but for MOT20).
    public var fuseScore = true
    /// The box a track reports on a frame: the detection matched (as supervision's ByteTrack
    /// reports), since the filter lags a walking person's sway and holds the aspect ratio nearly
    /// fixed; MOTA +0.4 and +0.7 on PETS09 and TUD.
    public var reportedBox = ReportedBox.detection

    /// The box a track reports: the detection it was matched to on the frame, or its Kalman
    /// filter's estimate after that detection.
    public enum ReportedBox: String, Sendable, CaseIterable {
        case detection, kalman
    }

    public init() {}

    /// Scores in 0...1 with low <= high; limits in 0...1; a buffer of 0 to 600 seconds.
    public func validate() throws {
        for (field, value) in [("high_score", highScore), ("low_score", lowScore), ("new_track_score", newTrackScore)]
        where !(0...1).contains(value) {
            throw TrackingError.invalid(field, "\(field) must be a score from 0 to 1; got \(value)")
        }
        guard lowScore <= highScore else {
            throw TrackingError.invalid("low_score", "low_score (\(lowScore)) must not be above high_score (\(highScore))")
        }
        for (field, value) in [("match_threshold", matchLimit), ("second_match_threshold", secondMatchLimit),
                               ("unconfirmed_match_threshold", unconfirmedMatchLimit)] where !(0...1).contains(value) {
            throw TrackingError.invalid(field, "\(field) must be a cost from 0 to 1 (1 - IoU x score); got \(value)")
        }
        guard (0...600).contains(lostSeconds) else {
            throw TrackingError.invalid("lost_seconds", "lost_seconds must be from 0 to 600; got \(lostSeconds)")
        }
    }
}

/// BYTE (Zhang et al., ECCV 2022) for one class: every frame, predict each track's box with its
/// Kalman filter; match confident detections to tracked and lost tracks by IoU; match the
/// remaining tracked ones to low-score detections; give tracks seen only once a chance with the
/// left-over confident detections; start tracks from what is left; forget tracks lost too long.
/// A track gets its public id when a second frame confirms it (on the first frame, at once).
public final class ByteTracker {
    public let options: ByteTrackOptions
    private let filter = BoxKalmanFilter()
    private let maxLostFrames: Int
    private let ids: TrackIDs
    private var frame = 0
    private var tracked: [Track] = []  // seen on the last frame (confirmed or not)
    private var lost: [Track] = []

    /// `framesPerSecond`: of the frames this tracker is given (the video's rate over `every`).
    public init(options: ByteTrackOptions = ByteTrackOptions(), framesPerSecond: Double, ids: TrackIDs = TrackIDs()) {
        self.options = options
        self.ids = ids
        maxLostFrames = max(1, Int((options.lostSeconds * max(framesPerSecond, 1)).rounded()))
    }

    /// The tracks on this frame: confirmed tracks matched to one of `detections`, with their
    /// filtered boxes, the matched detection's score and class, and their ids.
    ///
    /// `elapsedFrames`: frames of this tracker's rate since the last update (more than 1 when frames
    /// were never seen, as during a live stream's reconnect): tracks age, and their filters predict,
    /// by that many frames, so the lost buffer counts time rather than updates.
    public func update(_ detections: Detections, elapsedFrames: Int = 1) -> Detections {
        let elapsed = max(1, elapsedFrames)
        frame += elapsed
        if elapsed > 1 {
            // Tracks unseen for longer than the buffer are gone before matching (one frame at a time,
            // step 5 forgets them in time; a gap can pass the buffer in one step).
            let live = { (track: Track) in self.frame - track.lastFrame <= self.maxLostFrames + 1 }
            tracked = tracked.filter(live)
            lost = lost.filter(live)
        }
        let high = detections.filter { detections.scores[$0] > options.highScore }
        let low = detections.filter { detections.scores[$0] > options.lowScore && detections.scores[$0] <= options.highScore }
        var highCandidates = (0..<high.count).map { Candidate(detections: high, index: $0) }
        let lowCandidates = (0..<low.count).map { Candidate(detections: low, index: $0) }

        let unconfirmed = tracked.filter { !$0.isConfirmed }
        let pool = tracked.filter(\.isConfirmed) + lost
        // A track older than the buffer is forgotten below: predicting it further is wasted work.
        for track in pool {
            for _ in 0..<min(elapsed, maxLostFrames + 1) { filter.predict(&track.kalman, holdHeight: track.state != .tracked) }
        }

        var seen: [Track] = []  // matched on this frame
        // 1. Confident detections against every confirmed track, tracked or lost.
        var cost = Matching.iouDistance(pool.map(\.box), highCandidates.map(\.box))
        if options.fuseScore { cost = Matching.fuseScore(cost, scores: highCandidates.map(\.score)) }
        let first = Matching.assign(cost, columns: highCandidates.count, limit: options.matchLimit)
        for (row, column) in first.matches {
            update(pool[row], with: highCandidates[column])
            seen.append(pool[row])
        }
        // 2. Low-score detections against the tracks still unmatched that were seen last frame.
        let remaining = first.unmatchedRows.map { pool[$0] }.filter { $0.state == .tracked }
        let second = Matching.assign(Matching.iouDistance(remaining.map(\.box), lowCandidates.map(\.box)),
                                     columns: lowCandidates.count, limit: options.secondMatchLimit)
        for (row, column) in second.matches {
            update(remaining[row], with: lowCandidates[column])
            seen.append(remaining[row])
        }
        var newlyLost: [Track] = []
        for row in second.unmatchedRows {
            remaining[row].state = .lost
            newlyLost.append(remaining[row])
        }
        // 3. Tracks seen once, against the confident detections nobody took.
        highCandidates = first.unmatchedColumns.map { highCandidates[$0] }
        cost = Matching.iouDistance(unconfirmed.map(\.box), highCandidates.map(\.box))
        if options.fuseScore { cost = Matching.fuseScore(cost, scores: highCandidates.map(\.score)) }
        let third = Matching.assign(cost, columns: highCandidates.count, limit: options.unconfirmedMatchLimit)
        for (row, column) in third.matches {
            update(unconfirmed[row], with: highCandidates[column])
            seen.append(unconfirmed[row])
        }
        // Unconfirmed tracks not matched now are dropped (a single-frame false positive).
        // 4. New tracks from confident detections left over.
        for column in third.unmatchedColumns where highCandidates[column].score >= options.newTrackScore {
            let candidate = highCandidates[column]
            let track = Track(kalman: filter.initiate(candidate.box), candidate: candidate, frame: frame)
            if frame == 1 { track.id = ids.next() }  // ByteTrack confirms the first frame's tracks at once
            seen.append(track)
        }
        // 5. Lost tracks kept for the buffer, then forgotten.
        let seenIDs = Set(seen.map(ObjectIdentifier.init))
        lost = (lost.filter { !seenIDs.contains(ObjectIdentifier($0)) } + newlyLost)
            .filter { frame - $0.lastFrame <= maxLostFrames }
        tracked = seen
        removeDuplicates()

        let shown = tracked.filter(\.isConfirmed).sorted { $0.id! < $1.id! }
        let boxes = options.reportedBox == .detection ? shown.map(\.detectionBox) : shown.map(\.box)
        return Detections(boxes: boxes, scores: shown.map(\.score), classIDs: shown.map(\.classID),
                          trackIDs: shown.map { $0.id! })
    }

    private func update(_ track: Track, with candidate: Candidate) {
        filter.update(&track.kalman, with: candidate.box)
        track.state = .tracked
        track.lastFrame = frame
        track.score = candidate.score
        track.classID = candidate.classID
        track.detectionBox = candidate.box
        if track.id == nil { track.id = ids.next() }
    }

    /// A tracked and a lost track on the same spot (IoU > 0.85) are one person twice: the younger goes.
    private func removeDuplicates() {
        guard !tracked.isEmpty, !lost.isEmpty else { return }
        let distance = Matching.iouDistance(tracked.map(\.box), lost.map(\.box))
        var dropTracked = Set<Int>(), dropLost = Set<Int>()
        for (i, row) in distance.enumerated() {
            for (j, value) in row.enumerated() where value < 0.15 {
                let trackedAge = tracked[i].lastFrame - tracked[i].firstFrame
                let lostAge = lost[j].lastFrame - lost[j].firstFrame
                if trackedAge > lostAge { dropLost.insert(j) } else { dropTracked.insert(i) }
            }
        }
        tracked = tracked.enumerated().filter { !dropTracked.contains($0.offset) }.map(\.element)
        lost = lost.enumerated().filter { !dropLost.contains($0.offset) }.map(\.element)
    }

    private struct Candidate {
        var box: Box
        var score: Float
        var classID: Int

        init(detections: Detections, index: Int) {
            box = detections.boxes[index]
            score = detections.scores[index]
            classID = detections.classIDs[index]
        }
    }

    private final class Track {
        enum State { case tracked, lost }
        var kalman: BoxKalmanFilter.State
        var state = State.tracked
        var id: Int?
        var score: Float
        var classID: Int
        /// The detection last matched (the one that started it, at first).
        var detectionBox: Box
        let firstFrame: Int
        var lastFrame: Int

        init(kalman: BoxKalmanFilter.State, candidate: Candidate, frame: Int) {
            self.kalman = kalman
            detectionBox = candidate.box
            score = candidate.score
            classID = candidate.classID
            firstFrame = frame
            lastFrame = frame
        }

        var isConfirmed: Bool { id != nil }
        var box: Box { kalman.box }
    }
}

/// Hands out track ids, 1, 2, 3, ...: one counter shared by the trackers of every class, so an id
/// names one track whatever its class.
public final class TrackIDs: @unchecked Sendable {
    private var last = 0
    public init(startingAfter last: Int = 0) { self.last = last }
    public func next() -> Int {
        last += 1
        return last
    }
}

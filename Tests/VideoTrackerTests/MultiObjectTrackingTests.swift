import Foundation
import Testing
@testable import VideoTracker

@Suite("Multi-object tracking: the Kalman filter, matching and BYTE")
struct MultiObjectTrackingTests {
    /// A small deterministic generator (SplitMix64): the random cases are the same on every run.
    struct Random {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    /// The least total of the lapjv(extend_cost, cost_limit) objective over every partial matching:
    /// each matched pair its cost (at most the limit), each unmatched row or column limit / 2.
    static func bruteForce(_ cost: [[Double]], columns: Int, limit: Double) -> Double {
        let rows = cost.count
        var best = Double.infinity
        func search(_ row: Int, _ used: Set<Int>, _ total: Double, _ matched: Int) {
            if row == rows {
                best = min(best, total + Double(rows - matched + columns - matched) * limit / 2)
                return
            }
            search(row + 1, used, total, matched)
            for column in 0..<columns where !used.contains(column) && cost[row][column] <= limit {
                search(row + 1, used.union([column]), total + cost[row][column], matched + 1)
            }
        }
        search(0, [], 0, 0)
        return best
    }

    @Test("assignment is optimal: equal to brute force on 400 random matrices up to 6 x 6")
    func assignmentMatchesBruteForce() {
        var random = Random(state: 42)
        for _ in 0..<400 {
            let rows = Int(random.next() * 7), columns = Int(random.next() * 7)
            let limit = [0.5, 0.7, 0.8, 1.0][Int(random.next() * 4)]
            // Many entries above the limit, as IoU distances are: most pairs do not overlap at all.
            let cost = (0..<rows).map { _ in (0..<columns).map { _ in random.next() < 0.4 ? 1.0 : random.next() } }
            let found = Matching.assign(cost, columns: columns, limit: limit)
            let total = found.matches.reduce(0) { $0 + cost[$1.row][$1.column] }
                + Double(found.unmatchedRows.count + found.unmatchedColumns.count) * limit / 2
            #expect(abs(total - Self.bruteForce(cost, columns: columns, limit: limit)) < 1e-9, "\(cost) limit \(limit)")
            #expect(found.matches.allSatisfy { cost[$0.row][$0.column] <= limit })
            #expect(Set(found.matches.map(\.row)).count == found.matches.count)
            #expect(Set(found.matches.map(\.column)).count == found.matches.count)
            #expect(found.matches.count + found.unmatchedRows.count == rows)
            #expect(found.matches.count + found.unmatchedColumns.count == columns)
        }
    }

    @Test("a pair is matched only when that beats leaving both alone")
    func assignmentLimit() {
        #expect(Matching.assign([[0.79]], columns: 1, limit: 0.8).matches.count == 1)
        #expect(Matching.assign([[0.81]], columns: 1, limit: 0.8).matches.isEmpty)
        // Two tracks wanting one detection: the cheaper wins; the other stays unmatched.
        let contested = Matching.assign([[0.3], [0.2]], columns: 1, limit: 0.8)
        #expect(contested.matches.map { [$0.row, $0.column] } == [[1, 0]] && contested.unmatchedRows == [0])
        // Greedy would take (0, 0) = 0.1 and leave 0.9 > limit; the optimum pairs crosswise.
        let crossed = Matching.assign([[0.1, 0.2], [0.3, 0.9]], columns: 2, limit: 0.8)
        #expect(crossed.matches.map { [$0.row, $0.column] } == [[0, 1], [1, 0]])
        #expect(Matching.assign([], columns: 3, limit: 0.8).unmatchedColumns == [0, 1, 2], "no tracks: every detection is left")
        #expect(Matching.assign([[], []], columns: 0, limit: 0.8).unmatchedRows == [0, 1])
    }

    @Test("score fusion: 1 - IoU x score")
    func fusion() {
        let fused = Matching.fuseScore([[0.2, 1.0]], scores: [0.5, 0.9])
        #expect(abs(fused[0][0] - 0.6) < 1e-12 && abs(fused[0][1] - 1.0) < 1e-12)
    }

    @Test("the Kalman filter learns a constant velocity and predicts the next box")
    func kalmanConstantVelocity() {
        let filter = BoxKalmanFilter()
        let start = Box(x: 100, y: 50, width: 40, height: 100)
        var state = filter.initiate(start)
        #expect(abs(state.box.left - 100) < 1e-9 && abs(state.box.height - 100) < 1e-9)
        for step in 1...30 {
            filter.predict(&state)
            filter.update(&state, with: Box(x: 100 + 3 * Double(step), y: 50 - 1 * Double(step), width: 40, height: 100))
        }
        filter.predict(&state)
        let expected = Box(x: 100 + 3 * 31, y: 50 - 31, width: 40, height: 100)
        #expect(state.box.intersectionOverUnion(expected) > 0.98, "\(state.box) vs \(expected)")
        #expect(abs(state.mean[4] - 3) < 0.2 && abs(state.mean[5] + 1) < 0.2, "velocity \(state.mean[4...5])")
        // The covariance stays symmetric with a positive diagonal.
        for i in 0..<8 {
            #expect(state.covariance[i * 8 + i] > 0)
            for j in 0..<8 { #expect(abs(state.covariance[i * 8 + j] - state.covariance[j * 8 + i]) < 1e-9) }
        }
    }

    @Test("the Kalman update follows ByteTrack's formulas (one step by hand)")
    func kalmanOneStep() {
        // After initiate and predict, the top-left 4 x 4 covariance is diagonal; the gain for x is
        // P / (P + R) with P = (2/20 h)² + (10/160 h)² + (h/20)² and R = (h/20)², h = 100.
        let filter = BoxKalmanFilter()
        var state = filter.initiate(Box(x: 0, y: 0, width: 50, height: 100))
        filter.predict(&state)
        let h = 100.0
        let p = pow(2 * h / 20, 2) + pow(10 * h / 160, 2) + pow(h / 20, 2)
        #expect(abs(state.covariance[0] - p) < 1e-9)
        filter.update(&state, with: Box(x: 10, y: 0, width: 50, height: 100))
        let gain = p / (p + pow(h / 20, 2))
        #expect(abs(state.mean[0] - (25 + 10 * gain)) < 1e-9, "centre x \(state.mean[0])")
        #expect(abs(state.covariance[0] - (p - gain * p)) < 1e-9)
    }

    /// A walker: a 30 x 80 box moving at a constant velocity from `start`.
    struct Walker {
        var start: (x: Double, y: Double)
        var velocity: (x: Double, y: Double)
        func box(at frame: Int) -> Box {
            Box(x: start.x + velocity.x * Double(frame), y: start.y + velocity.y * Double(frame), width: 30, height: 80)
        }
    }

    static func frame(_ boxes: [Box], score: Float = 0.9, classID: Int = 0) -> Detections {
        Detections(boxes: boxes, scores: Array(repeating: score, count: boxes.count),
                   classIDs: Array(repeating: classID, count: boxes.count))
    }

    @Test("two people crossing keep their ids")
    func crossing() {
        let tracker = ByteTracker(framesPerSecond: 10)
        let a = Walker(start: (0, 100), velocity: (8, 0)), b = Walker(start: (400, 110), velocity: (-8, 0))
        var idsOfA = Set<Int>(), idsOfB = Set<Int>()
        for frame in 0..<50 {
            let tracks = tracker.update(Self.frame([a.box(at: frame), b.box(at: frame)]))
            #expect(tracks.count == 2)
            for (index, box) in tracks.boxes.enumerated() {
                let id = tracks.trackIDs![index]
                if box.intersectionOverUnion(a.box(at: frame)) > box.intersectionOverUnion(b.box(at: frame)) {
                    idsOfA.insert(id)
                } else {
                    idsOfB.insert(id)
                }
            }
        }
        #expect(idsOfA.count == 1 && idsOfB.count == 1 && idsOfA != idsOfB, "a \(idsOfA), b \(idsOfB)")
    }

    @Test("a person hidden for less than the lost buffer comes back with the same id; longer, with a new one")
    func occlusion() {
        for (hidden, sameID) in [(18, true), (24, false)] {
            let tracker = ByteTracker(framesPerSecond: 10)  // 2 s buffer = 20 frames
            let walker = Walker(start: (0, 100), velocity: (5, 0))
            var ids: [Int] = []
            for frame in 0..<50 {
                let visible = frame < 10 || frame >= 10 + hidden
                let tracks = tracker.update(visible ? Self.frame([walker.box(at: frame)]) : .empty)
                if visible, frame >= 10 + hidden + 1 || frame < 10 { ids += tracks.trackIDs ?? [] }
                if !visible { #expect(tracks.isEmpty, "a lost track is not reported") }
            }
            #expect((Set(ids).count == 1) == sameID, "hidden \(hidden) frames: ids \(Set(ids))")
        }
    }

    @Test("the lost buffer is in seconds: 0.8 s hidden keeps the id at 7 fps and at 30 fps")
    func bufferInSeconds() {
        for fps in [7.0, 30.0] {
            let tracker = ByteTracker(framesPerSecond: fps)
            let hidden = Int((0.8 * fps).rounded())
            let walker = Walker(start: (0, 100), velocity: (30 / fps, 0))
            var ids = Set<Int>()
            for frame in 0..<(3 * Int(fps)) {
                let visible = frame < Int(fps) || frame >= Int(fps) + hidden
                let tracks = tracker.update(visible ? Self.frame([walker.box(at: frame)]) : .empty)
                ids.formUnion(tracks.trackIDs ?? [])
            }
            #expect(ids.count == 1, "\(fps) fps: ids \(ids)")
        }
    }

    @Test("a low-score detection keeps a track alive; it never starts one")
    func lowScores() {
        let tracker = ByteTracker(framesPerSecond: 10)
        let walker = Walker(start: (0, 100), velocity: (5, 0))
        var ids = Set<Int>()
        for frame in 0..<30 {
            let score: Float = frame >= 10 && frame < 20 ? 0.3 : 0.9  // occluded: the detector doubts
            let tracks = tracker.update(Self.frame([walker.box(at: frame)], score: score))
            #expect(tracks.count == 1, "frame \(frame)")
            ids.formUnion(tracks.trackIDs ?? [])
        }
        #expect(ids.count == 1)
        let fresh = ByteTracker(framesPerSecond: 10)
        for frame in 0..<5 { #expect(fresh.update(Self.frame([walker.box(at: frame)], score: 0.3)).isEmpty) }
    }

    @Test("a one-frame false positive gets no id; a new person is confirmed on their second frame")
    func confirmation() {
        let tracker = ByteTracker(framesPerSecond: 10)
        let walker = Walker(start: (0, 100), velocity: (5, 0))
        #expect(tracker.update(Self.frame([walker.box(at: 0)])).trackIDs == [1], "the first frame confirms at once")
        let ghost = Box(x: 500, y: 300, width: 30, height: 80)
        #expect(tracker.update(Self.frame([walker.box(at: 1), ghost])).trackIDs == [1])
        #expect(tracker.update(Self.frame([walker.box(at: 2)])).trackIDs == [1])
        let newcomer = Walker(start: (300, 300), velocity: (0, 2))
        #expect(tracker.update(Self.frame([walker.box(at: 3), newcomer.box(at: 3)])).trackIDs == [1])
        #expect(tracker.update(Self.frame([walker.box(at: 4), newcomer.box(at: 4)])).trackIDs == [1, 2],
                "ids stay contiguous: the ghost took none")
    }

    @Test("a track reports the detection it matched, or with reportedBox kalman the filter's smoother estimate")
    func reportedBox() {
        // A walker whose detections jitter by 3 px around a straight line.
        let walker = Walker(start: (100, 100), velocity: (4, 0))
        let jitter = [0.0, 3, -3, 2, -2, 3, -3, 1, -1, 3]
        func detection(_ frame: Int) -> Box {
            let box = walker.box(at: frame)
            return Box(x: box.left + jitter[frame % jitter.count], y: box.top, width: box.width, height: box.height)
        }
        var options = ByteTrackOptions()
        options.reportedBox = .detection
        let reportsDetections = ByteTracker(options: options, framesPerSecond: 10)
        options.reportedBox = .kalman
        let reportsFilter = ByteTracker(options: options, framesPerSecond: 10)
        var filterCloser = 0
        for frame in 0..<30 {
            let detected = Self.frame([detection(frame)])
            #expect(reportsDetections.update(detected).boxes == [detection(frame)], "frame \(frame)")
            let filtered = reportsFilter.update(detected).boxes
            #expect(filtered.count == 1 && filtered.first != detection(frame) || frame == 0, "frame \(frame)")
            if frame >= 10, let box = filtered.first, abs(box.left - walker.box(at: frame).left) < abs(jitter[frame % 10]) {
                filterCloser += 1
            }
        }
        // The filter smooths the jitter: on most frames its box is nearer the true line than the detection.
        #expect(filterCloser >= 12, "\(filterCloser) of 20")
    }

    @Test("classes are tracked apart, with ids unique across classes")
    func classesApart() {
        let tracker = MultiObjectTracker(framesPerSecond: 10)
        let box = Box(x: 100, y: 100, width: 40, height: 80)
        for frame in 0..<5 {
            // A person and a bicycle on the same spot: each keeps its own track.
            let detections = Detections(boxes: [box, box], scores: [0.9, 0.9], classIDs: [0, 1])
            let tracks = tracker.update(detections)
            #expect(tracks.classIDs == [0, 1], "frame \(frame)")
            #expect(tracks.trackIDs == [1, 2], "frame \(frame)")
        }
    }

    @Test("trails keep each track's last feet positions and forget tracks gone for a trail's length")
    func trails() {
        var trails = TrackTrails(length: 3)
        for frame in 0..<5 {
            let box = Box(x: Double(10 * frame), y: 0, width: 10, height: 40)
            trails.update(with: Detections(boxes: [box], scores: [0.9], classIDs: [2], trackIDs: [7]))
        }
        let trail = trails.trails
        #expect(trail.count == 1 && trail[0].trackID == 7 && trail[0].classID == 2)
        #expect(trail[0].points.map(\.x) == [25, 35, 45] && trail[0].points.allSatisfy { $0.y == 40 }, "bottom centres, last 3")
        for _ in 0..<2 { trails.update(with: Detections(trackIDs: [])) }
        #expect(trails.trails.count == 1, "two frames unseen: still drawn")
        trails.update(with: Detections(trackIDs: []))
        #expect(trails.trails.isEmpty, "three frames unseen: forgotten")
    }
}

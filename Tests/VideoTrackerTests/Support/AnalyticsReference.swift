import Foundation

/// Issue 15's definitions computed the plain way over a camera's records, sharing nothing with
/// the store's SQL: what the analytics answers are checked against. Each row is one track's box in
/// one frame, at that frame's time; a position is the bottom centre (x + w/2, y + h). The rows come
/// from a MOT file (frame f of a camera at `fps` is at start + (f - 1) / fps) or from a live
/// camera's exported records (`LiveAnalyticsTests`: frame round(time_s * fps), its own time).
struct AnalyticsReference {
    struct Row {
        var frame: Int64
        var track: Int64
        /// The frame's capture time, µs since 1970.
        var time: Int64
        var x, y, w, h: Double
        var px: Double { x + w / 2 }
        var py: Double { y + h }
    }

    struct Point: Equatable {
        var x: Double
        var y: Double
    }

    let rows: [Row]
    let fps: Double
    /// Each frame's time: its records' (the earliest, should they disagree: `framesWithSeveralTimes`).
    let frameTimes: [Int64: Int64]

    init(rows: [Row], fps: Double) {
        self.rows = rows
        self.fps = fps
        frameTimes = Dictionary(rows.map { ($0.frame, $0.time) }, uniquingKeysWith: min)
    }

    /// `frame,id,x,y,w,h,conf,...` lines; rows of confidence 0 skipped. MOT frame 1 is at `start` (µs).
    init(motText: String, fps: Double, start: Int64) {
        let rows = motText.split(separator: "\n").compactMap { line -> Row? in
            let f = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
            guard f.count >= 7, f[6] != 0 else { return nil }
            let frame = Int64(f[0])
            return Row(frame: frame, track: Int64(f[1]), time: start + Int64((Double(frame - 1) * 1e6 / fps).rounded()),
                       x: f[2], y: f[3], w: f[4], h: f[5])
        }
        self.init(rows: rows, fps: fps)
    }

    /// A frame's time (a frame with records).
    func time(_ frame: Int64) -> Int64 { frameTimes[frame]! }

    /// Frames whose records were not all at one time: none, where "a frame's time is its record's time".
    var framesWithSeveralTimes: [Int64] {
        Dictionary(grouping: rows, by: \.frame).filter { Set($0.value.map(\.time)).count > 1 }.keys.sorted()
    }

    /// The start of the hour (µs) of `time`, for a zone `offsetSeconds` from UTC.
    static func hourStart(_ time: Int64, offsetSeconds: Int64) -> Int64 {
        let hour: Int64 = 3_600_000_000, offset = offsetSeconds * 1_000_000
        let local = time + offset
        return (local - ((local % hour) + hour) % hour) - offset
    }

    // MARK: Zones

    /// Inside or on the boundary of the polygon: on an edge (collinear, within its extent), or a
    /// non-zero winding number.
    static func inside(_ p: Point, polygon: [Point]) -> Bool {
        var winding = 0
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
            if cross == 0 && min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y) {
                return true
            }
            if a.y <= p.y {
                if b.y > p.y && cross > 0 { winding += 1 }
            } else if b.y <= p.y && cross < 0 {
                winding -= 1
            }
        }
        return winding != 0
    }

    struct Visit {
        var track: Int64
        var first: Int64
        var last: Int64
    }

    /// Each track's inside frames in order; a new visit when more than `gap` frames lie between
    /// one inside frame and the next.
    func visits(polygon: [Point], gap: Int64) -> [Visit] {
        var visits: [Visit] = []
        let byTrack = Dictionary(grouping: rows.filter { Self.inside(Point(x: $0.px, y: $0.py), polygon: polygon) }, by: \.track)
        for (track, inside) in byTrack {
            var current: Visit?
            for frame in inside.map(\.frame).sorted() {
                if var visit = current, frame - visit.last - 1 <= gap {
                    visit.last = frame
                    current = visit
                } else {
                    if let visit = current { visits.append(visit) }
                    current = Visit(track: track, first: frame, last: frame)
                }
            }
            if let visit = current { visits.append(visit) }
        }
        return visits
    }

    struct ZoneHour: Equatable {
        var hourStart: Int64
        var passed: Int
        var maxStaySeconds: Double
    }

    func zoneHours(polygon: [Point], gap: Int64, offsetSeconds: Int64 = 0) -> [ZoneHour] {
        let byHour = Dictionary(grouping: visits(polygon: polygon, gap: gap)) {
            Self.hourStart(time($0.first), offsetSeconds: offsetSeconds)
        }
        return byHour.keys.sorted().map { hour in
            let visits = byHour[hour]!
            return ZoneHour(hourStart: hour, passed: Set(visits.map(\.track)).count,
                            maxStaySeconds: Double(visits.map { $0.last - $0.first + 1 }.max()!) / fps)
        }
    }

    static func rectangle(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> [Point] {
        [Point(x: x1, y: y1), Point(x: x2, y: y1), Point(x: x2, y: y2), Point(x: x1, y: y2)]
    }

    /// A rectangle over the busy middle whose edges are positions of the data (the quartiles of x
    /// and of y), so some positions lie exactly on it.
    var quartileRectangle: (x1: Double, y1: Double, x2: Double, y2: Double) {
        let xs = rows.map(\.px).sorted(), ys = rows.map(\.py).sorted()
        return (xs[xs.count / 4], ys[ys.count / 4], xs[xs.count * 3 / 4], ys[ys.count * 3 / 4])
    }

    /// A pentagon: the quartile rectangle's top edge and right side, then down to a data position
    /// below it (a vertex some records stand on exactly), and back up to the bottom-left corner;
    /// nil when no position lies below the rectangle's middle third.
    var pentagon: [Point]? {
        let r = quartileRectangle
        let third = (r.x2 - r.x1) / 3
        guard let below = rows.filter({ $0.px > r.x1 + third && $0.px < r.x2 - third && $0.py > r.y2 }).max(by: { $0.py < $1.py })
        else { return nil }
        return [.init(x: r.x1, y: r.y1), .init(x: r.x2, y: r.y1), .init(x: r.x2, y: (r.y1 + r.y2) / 2),
                .init(x: below.px, y: below.py), .init(x: r.x1, y: r.y2)]
    }

    /// Positions exactly on the polygon's edges (collinear and within the edge's box).
    func onBoundary(_ polygon: [Point]) -> Int {
        rows.filter { row in
            polygon.indices.contains { i in
                let a = polygon[i], b = polygon[(i + 1) % polygon.count]
                return (b.x - a.x) * (row.py - a.y) == (b.y - a.y) * (row.px - a.x)
                    && min(a.x, b.x) <= row.px && row.px <= max(a.x, b.x) && min(a.y, b.y) <= row.py && row.py <= max(a.y, b.y)
            }
        }.count
    }

    // MARK: Crowd, stays, heatmap

    struct CrowdHour: Equatable {
        var hourStart: Int64
        var maxCount: Int
        var meanCount: Double
    }

    func crowdHours(offsetSeconds: Int64 = 0) -> [CrowdHour] {
        let perFrame = Dictionary(grouping: rows, by: \.frame).mapValues { Set($0.map(\.track)).count }
        let byHour = Dictionary(grouping: perFrame) { Self.hourStart(time($0.key), offsetSeconds: offsetSeconds) }
        return byHour.keys.sorted().map { hour in
            let counts = byHour[hour]!.map(\.value)
            return CrowdHour(hourStart: hour, maxCount: counts.max()!, meanCount: Double(counts.reduce(0, +)) / Double(counts.count))
        }
    }

    struct Stay: Equatable {
        var track: Int64
        var seconds: Double
        var first: Int64
        var last: Int64
    }

    /// Every track's stay, longest first, equal ones by track id.
    func stays() -> [Stay] {
        Dictionary(grouping: rows, by: \.track).map { track, rows in
            let frames = rows.map(\.frame)
            return Stay(track: track, seconds: Double(frames.max()! - frames.min()! + 1) / fps,
                        first: time(frames.min()!), last: time(frames.max()!))
        }.sorted { ($0.seconds, -$0.track) > ($1.seconds, -$1.track) }
    }

    struct Cell: Hashable {
        var column: Int64
        var row: Int64
    }

    func heatmap(cell: Double, from: Int64? = nil, to: Int64? = nil) -> [Cell: Int] {
        var counts: [Cell: Int] = [:]
        for row in rows where row.time >= (from ?? .min) && row.time < (to ?? .max) {
            counts[Cell(column: Int64((row.px / cell).rounded(.down)), row: Int64((row.py / cell).rounded(.down))), default: 0] += 1
        }
        return counts
    }
}

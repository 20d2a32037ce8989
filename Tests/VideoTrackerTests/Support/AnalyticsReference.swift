import Foundation

/// Issue 15's definitions computed the plain way over a parsed MOT file, sharing nothing with the
/// store's SQL: what the analytics answers are checked against. Rows: MOT frame f (1-based) of a
/// camera at `fps` is at start + (f - 1) / fps; a position is the bottom centre (x + w/2, y + h).
struct AnalyticsReference {
    struct Row {
        var frame: Int64
        var track: Int64
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
    /// MOT frame 1's time, µs since 1970.
    let start: Int64

    /// `frame,id,x,y,w,h,conf,...` lines; rows of confidence 0 skipped.
    init(motText: String, fps: Double, start: Int64) {
        rows = motText.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
            guard f.count >= 7, f[6] != 0 else { return nil }
            return Row(frame: Int64(f[0]), track: Int64(f[1]), x: f[2], y: f[3], w: f[4], h: f[5])
        }
        self.fps = fps
        self.start = start
    }

    func time(_ frame: Int64) -> Int64 { start + Int64((Double(frame - 1) * 1e6 / fps).rounded()) }

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
        for row in rows where time(row.frame) >= (from ?? .min) && time(row.frame) < (to ?? .max) {
            counts[Cell(column: Int64((row.px / cell).rounded(.down)), row: Int64((row.py / cell).rounded(.down))), default: 0] += 1
        }
        return counts
    }
}

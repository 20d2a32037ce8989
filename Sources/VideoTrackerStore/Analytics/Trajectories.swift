import SQLKit

/// Each track's path: its positions in frame order, read a page at a time (a trajectory answer
/// is the records themselves, so it is streamed, never held whole).
extension TrackAnalytics {
    public struct TrajectoryPoint: Sendable, Equatable {
        public var trackID: Int64
        public var frame: Int64
        public var time: Int64
        public var x: Double
        public var y: Double

        public init(trackID: Int64, frame: Int64, time: Int64, x: Double, y: Double) {
            self.trackID = trackID
            self.frame = frame
            self.time = time
            self.x = x
            self.y = y
        }
    }

    /// One page of positions ordered by track then time, after `after` (the previous page's last):
    /// keyset paging on the primary key (camera_id, track_id, time_us).
    public func trajectoryPoints(_ scope: Scope, after: TrajectoryPoint? = nil, limit: Int = 5000) async throws -> [TrajectoryPoint] {
        var condition = scope.condition
        if let after {
            condition = condition + """
                 AND track_id >= \(bind: after.trackID) AND (track_id > \(bind: after.trackID) OR time_us > \(bind: after.time))
                """
        }
        return try await sql.raw("""
            SELECT track_id, frame, time_us, x + w / 2 AS px, y + h AS py FROM track_records WHERE \(condition)
            ORDER BY track_id, time_us LIMIT \(bind: limit)
            """).all().map { row in
                TrajectoryPoint(trackID: try row.decode(column: "track_id", as: Int64.self),
                                frame: try row.decode(column: "frame", as: Int64.self),
                                time: try row.decode(column: "time_us", as: Int64.self),
                                x: try row.decode(column: "px", as: Double.self), y: try row.decode(column: "py", as: Double.self))
            }
    }

    /// Every page of the scope's positions.
    public func trajectories(_ scope: Scope, pageSize: Int = 5000) -> TrajectoryPages {
        TrajectoryPages(analytics: self, scope: scope, pageSize: pageSize)
    }
}

public struct TrajectoryPages: AsyncSequence, Sendable {
    public typealias Element = [TrackAnalytics.TrajectoryPoint]

    let analytics: TrackAnalytics
    let scope: TrackAnalytics.Scope
    let pageSize: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pages: TrajectoryPages
        var last: TrackAnalytics.TrajectoryPoint?
        var finished = false

        public mutating func next() async throws -> Element? {
            guard !finished else { return nil }
            let page = try await pages.analytics.trajectoryPoints(pages.scope, after: last, limit: pages.pageSize)
            finished = page.count < pages.pageSize
            last = page.last
            return page.isEmpty ? nil : page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pages: self) }
}

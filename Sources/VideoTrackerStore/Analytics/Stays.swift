import SQLKit

/// How long tracks stay in view: a track's stay is (last frame - first frame + 1) / fps.
extension TrackAnalytics {
    public struct Stay: Sendable, Equatable {
        public var trackID: Int64
        public var firstFrame: Int64
        public var lastFrame: Int64
        /// Times of the first and last frames, µs since 1970.
        public var firstTime: Int64
        public var lastTime: Int64

        public init(trackID: Int64, firstFrame: Int64, lastFrame: Int64, firstTime: Int64, lastTime: Int64) {
            self.trackID = trackID
            self.firstFrame = firstFrame
            self.lastFrame = lastFrame
            self.firstTime = firstTime
            self.lastTime = lastTime
        }

        public var frames: Int64 { lastFrame - firstFrame + 1 }
    }

    /// The `limit` longest stays in the scope, longest first (equal stays: lower track id first).
    public func topStays(_ scope: Scope, limit: Int) async throws -> [Stay] {
        try await sql.raw("""
            SELECT track_id, MIN(frame) AS first_frame, MAX(frame) AS last_frame, MIN(time_us) AS first_us, MAX(time_us) AS last_us
            FROM track_records WHERE \(scope.condition)
            GROUP BY track_id ORDER BY MAX(frame) - MIN(frame) DESC, track_id LIMIT \(bind: limit)
            """).all().map { row in
                Stay(trackID: try row.decode(column: "track_id", as: Int64.self),
                     firstFrame: try row.decode(column: "first_frame", as: Int64.self),
                     lastFrame: try row.decode(column: "last_frame", as: Int64.self),
                     firstTime: try row.decode(column: "first_us", as: Int64.self),
                     lastTime: try row.decode(column: "last_us", as: Int64.self))
            }
    }
}

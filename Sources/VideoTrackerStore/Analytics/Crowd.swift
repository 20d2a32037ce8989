import SQLKit

/// How many tracks are present at once, per clock hour.
extension TrackAnalytics {
    public struct CrowdHour: Sendable, Equatable {
        /// The hour's start, µs since 1970.
        public var hourStart: Int64
        /// The most tracks present in one frame of the hour.
        public var maxCount: Int
        /// The hour's frames that have records, and the tracks present summed over them.
        public var frames: Int
        public var presences: Int

        public init(hourStart: Int64, maxCount: Int, frames: Int, presences: Int) {
            self.hourStart = hourStart
            self.maxCount = maxCount
            self.frames = frames
            self.presences = presences
        }

        /// Tracks present on average over the hour's frames that have records.
        public var meanCount: Double { frames == 0 ? 0 : Double(presences) / Double(frames) }
    }

    /// The hours that have records, in order. A frame's time is its records' (MIN: they share it);
    /// a track has one box a frame, so a frame's rows are its tracks.
    public func crowdHours(_ scope: Scope, hours: ClockHours = .utc) async throws -> [CrowdHour] {
        let hourSQL = try await hourStart(of: "time_us", scope, hours: hours)
        return try await sql.raw("""
            WITH frames AS (
                SELECT frame, MIN(time_us) AS time_us, COUNT(*) AS n FROM track_records WHERE \(scope.condition) GROUP BY frame),
            hourly AS (SELECT \(hourSQL) AS hour_us, n FROM frames)
            SELECT hour_us, MAX(n) AS max_count, COUNT(*) AS frames, CAST(SUM(n) AS BIGINT) AS presences
            FROM hourly GROUP BY hour_us ORDER BY hour_us
            """).all().map { row in
                CrowdHour(hourStart: try row.decode(column: "hour_us", as: Int64.self),
                          maxCount: try row.decode(column: "max_count", as: Int.self),
                          frames: try row.decode(column: "frames", as: Int.self),
                          presences: try row.decode(column: "presences", as: Int.self))
            }
    }
}

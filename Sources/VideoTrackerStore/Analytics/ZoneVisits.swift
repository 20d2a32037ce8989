import SQLKit

/// Visits of tracks to a zone, per clock hour.
///
/// A visit is a maximal run of a track's frames whose positions are inside the zone; runs of the
/// same track separated by at most `gap` frames that are outside or missing (frame numbers with no
/// record of the track) join into one visit; gap 0 joins nothing, so a missing frame splits a run.
/// A visit lasts (last frame - first frame + 1) / fps and belongs to the hour of its first frame.
extension TrackAnalytics {
    public struct ZoneHour: Sendable, Equatable {
        /// The hour's start, µs since 1970.
        public var hourStart: Int64
        /// Distinct tracks with a visit beginning in the hour.
        public var passed: Int
        /// Frames of the hour's longest visit (its seconds: / fps).
        public var longestVisitFrames: Int64

        public init(hourStart: Int64, passed: Int, longestVisitFrames: Int64) {
            self.hourStart = hourStart
            self.passed = passed
            self.longestVisitFrames = longestVisitFrames
        }
    }

    /// The default gap: one second's worth of frames, the most whole frames that last at most a
    /// second, floor(fps): 7 at 7 fps, 29 at 29.97, 0 below 1 fps (there one missing frame is
    /// already more than a second unseen). The epsilon keeps 7 from reading as 6.9999999.
    public static func defaultGapFrames(fps: Double) -> Int {
        guard fps.isFinite, fps > 0 else { return 0 }
        return Int((fps + 1e-9).rounded(.down))
    }

    /// The zone's hours that have a visit beginning in them, in order. One statement: the scope's
    /// records inside the zone, a visit started where the previous inside frame of the track is
    /// more than `gap` + 1 frames back (LAG), visits numbered by a running SUM, then grouped.
    public func zoneHours(_ scope: Scope, zone: Zone, gapFrames: Int, hours: ClockHours = .utc) async throws -> [ZoneHour] {
        let hourSQL = try await hourStart(of: "first_us", scope, hours: hours)
        return try await sql.raw("""
            WITH positions AS (\(scope.positions)),
            inside AS (SELECT track_id, frame, time_us FROM positions WHERE \(zone.contains(x: "px", y: "py"))),
            marked AS (
                SELECT track_id, frame, time_us,
                       CASE WHEN frame - LAG(frame) OVER (PARTITION BY track_id ORDER BY frame) - 1 <= \(bind: Int64(gapFrames))
                            THEN 0 ELSE 1 END AS starts
                FROM inside),
            numbered AS (
                SELECT track_id, frame, time_us,
                       SUM(starts) OVER (PARTITION BY track_id ORDER BY frame ROWS UNBOUNDED PRECEDING) AS visit
                FROM marked),
            visits AS (
                SELECT track_id, MIN(frame) AS first_frame, MAX(frame) AS last_frame, MIN(time_us) AS first_us
                FROM numbered GROUP BY track_id, visit),
            hourly AS (SELECT \(hourSQL) AS hour_us, track_id, last_frame - first_frame + 1 AS frames FROM visits)
            SELECT hour_us, COUNT(DISTINCT track_id) AS passed, MAX(frames) AS longest
            FROM hourly GROUP BY hour_us ORDER BY hour_us
            """).all().map { row in
                ZoneHour(hourStart: try row.decode(column: "hour_us", as: Int64.self),
                         passed: try row.decode(column: "passed", as: Int.self),
                         longestVisitFrames: try row.decode(column: "longest", as: Int64.self))
            }
    }
}

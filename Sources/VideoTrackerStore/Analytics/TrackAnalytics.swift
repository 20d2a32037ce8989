import SQLKit

/// Movement analytics over a camera's track records (issue 15): zone visits, crowd and stays per
/// clock hour, the longest stays, the heatmap and the trajectories. The database does the work
/// (GROUP BY and window functions, which SQLite and PostgreSQL share); only the answers, a row an
/// hour, a track or a cell, come back, never every record (trajectories excepted: they are the
/// records, paged).
///
/// Definitions shared by every answer: a track's position in a frame is the bottom centre of its
/// box, (x + w/2, y + h), where a person stands; a frame's time is its record's time; frames are
/// counted at the camera's fps (`frame`).
public struct TrackAnalytics: Sendable {
    let database: StoreDatabase
    var sql: any SQLDatabase { database.sql }

    public init(database: StoreDatabase) { self.database = database }

    /// The records an answer reads: one camera's, optionally only those in [from, to) (µs since 1970).
    public struct Scope: Sendable, Equatable {
        public var camera: String
        public var from: Int64?
        public var to: Int64?

        public init(camera: String, from: Int64? = nil, to: Int64? = nil) {
            self.camera = camera
            self.from = from
            self.to = to
        }

        /// The WHERE condition of the scope's records (served by the (camera_id, time_us) index).
        var condition: SQLQueryString {
            var conditions: [SQLQueryString] = ["camera_id = \(bind: camera)"]
            if let from { conditions.append("time_us >= \(bind: from)") }
            if let to { conditions.append("time_us < \(bind: to)") }
            return conditions.joined(separator: " AND ")
        }

        /// A SELECT of the scope's records with their positions: track_id, frame, time_us, px, py.
        /// `x + w / 2` exactly so: the same IEEE operations on both databases, and in any check.
        var positions: SQLQueryString {
            "SELECT track_id, frame, time_us, x + w / 2 AS px, y + h AS py FROM track_records WHERE \(condition)"
        }
    }

    /// The first and last record times of the scope, nil when it has none.
    func span(_ scope: Scope) async throws -> ClosedRange<Int64>? {
        guard let row = try await sql.raw("""
            SELECT MIN(time_us) AS first_us, MAX(time_us) AS last_us FROM track_records WHERE \(scope.condition)
            """).first(),
            let first = try row.decode(column: "first_us", as: Int64?.self),
            let last = try row.decode(column: "last_us", as: Int64?.self) else { return nil }
        return first...last
    }

    /// The SQL of the start of the clock hour (µs) a time column falls in, for the scope's span.
    func hourStart(of column: String, _ scope: Scope, hours: ClockHours) async throws -> SQLQueryString {
        let span = hours.isFixed ? nil : try await span(scope)
        return hours.startExpression(of: column, over: span)
    }

    /// Seconds that `frames` frames last at `fps`.
    public static func seconds(frames: Int64, fps: Double) -> Double { Double(frames) / fps }
}

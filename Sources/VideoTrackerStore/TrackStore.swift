import SQLKit

/// The track records: the cameras' batches written as they come, uploads imported whole, exports
/// read in pages, and the retention's deletes.
public struct TrackStore: Sendable {
    let database: StoreDatabase
    var sql: any SQLDatabase { database.sql }

    /// Rows a single INSERT carries: 500 x 10 values stays under SQLite's and PostgreSQL's bind limits.
    public static let chunkRows = 500

    public init(database: StoreDatabase) { self.database = database }

    /// Writes a batch in one transaction (multi-row INSERTs of at most `chunkRows`). A record
    /// already stored (same camera, track, time) is skipped, so a batch written twice is stored
    /// once. Returns the rows actually inserted.
    @discardableResult
    public func write(_ records: [TrackRecord]) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        return try await database.transaction { transaction in
            try await Self.insert(records, into: transaction)
        }
    }

    /// An upload, all or nothing: every chunk in one transaction, so a chunk that fails to arrive
    /// (the sequence throws, e.g. a bad line) stores nothing of the upload. Records already stored
    /// are skipped. Returns the rows inserted. On SQLite the transaction holds the database's
    /// write lock throughout: feed it from something already received (a file), not the network.
    @discardableResult
    public func importRecords<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) async throws -> Int
    where Chunks.Element == [TrackRecord] {
        try await database.transaction { transaction in
            var inserted = 0
            for try await chunk in chunks {
                inserted += try await Self.insert(chunk, into: transaction)
            }
            return inserted
        }
    }

    /// One page of a camera's records in [from, to) (microseconds; nil: unbounded), ordered by
    /// time then track, starting after `after` (the previous page's last record). Keyset paging
    /// on the (camera_id, time_us) index: every page costs the same, however deep.
    public func records(camera: String, from: Int64? = nil, to: Int64? = nil, after: TrackRecord? = nil,
                        limit: Int = 5000) async throws -> [TrackRecord] {
        var conditions: [SQLQueryString] = ["camera_id = \(bind: camera)"]
        if let from { conditions.append("time_us >= \(bind: from)") }
        if let to { conditions.append("time_us < \(bind: to)") }
        if let after {
            conditions.append("""
                time_us >= \(bind: after.timeMicroseconds) AND (time_us > \(bind: after.timeMicroseconds) OR track_id > \(bind: after.trackID))
                """)
        }
        return try await sql.raw("""
            SELECT * FROM track_records WHERE \(conditions.joined(separator: " AND "))
            ORDER BY time_us, track_id LIMIT \(bind: limit)
            """).all().map(Self.record)
    }

    /// All of a camera's records in [from, to), page by page (`records(camera:from:to:after:limit:)`):
    /// an export of millions of rows holds one page at a time.
    public func pages(camera: String, from: Int64? = nil, to: Int64? = nil, pageSize: Int = 5000) -> TrackRecordPages {
        TrackRecordPages(store: self, camera: camera, from: from, to: to, pageSize: pageSize)
    }

    /// The camera's largest track id (a new session numbers its tracks after it); nil when none.
    public func maxTrackID(camera: String) async throws -> Int64? {
        try await sql.raw("SELECT MAX(track_id) AS m FROM track_records WHERE camera_id = \(bind: camera)")
            .first(decodingColumn: "m", as: Int64?.self) ?? nil
    }

    public func count(camera: String) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM track_records WHERE camera_id = \(bind: camera)")
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// The first and last record times of a camera (microseconds), nil when it has none.
    public func timeRange(camera: String) async throws -> ClosedRange<Int64>? {
        guard let row = try await sql.raw("""
            SELECT MIN(time_us) AS first_us, MAX(time_us) AS last_us FROM track_records WHERE camera_id = \(bind: camera)
            """).first(),
            let first = try row.decode(column: "first_us", as: Int64?.self),
            let last = try row.decode(column: "last_us", as: Int64?.self) else { return nil }
        return first...last
    }

    /// Retention: deletes every record older than `cutoff` (microseconds since 1970), camera by
    /// camera in statements of at most `batchSize` rows, each its own transaction, so that a big
    /// delete never holds SQLite's write lock for long. Returns the rows deleted.
    @discardableResult
    public func deleteOlder(thanMicroseconds cutoff: Int64, batchSize: Int = 5000) async throws -> Int {
        let cameras = try await sql.raw("SELECT DISTINCT camera_id FROM track_records")
            .all(decodingColumn: "camera_id", as: String.self)
        var deleted = 0
        for camera in cameras {
            while true {
                let batch = try await sql.raw("""
                    DELETE FROM track_records WHERE camera_id = \(bind: camera) AND (track_id, time_us) IN (
                        SELECT track_id, time_us FROM track_records
                        WHERE camera_id = \(bind: camera) AND time_us < \(bind: cutoff) LIMIT \(bind: batchSize))
                    RETURNING track_id
                    """).all().count
                deleted += batch
                if batch < batchSize { break }
            }
        }
        return deleted
    }

    static func insert(_ records: [TrackRecord], into sql: any SQLDatabase) async throws -> Int {
        var inserted = 0
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + chunkRows, records.endIndex)
            let rows: [SQLQueryString] = records[start..<end].map { record in
                """
                (\(bind: record.cameraID), \(bind: record.trackID), \(bind: record.timeMicroseconds), \(bind: record.frame), \
                \(bind: record.classID), \(bind: record.x), \(bind: record.y), \(bind: record.width), \(bind: record.height), \
                \(bind: record.score))
                """
            }
            // RETURNING lists only the rows inserted (a conflict skips its row on both databases).
            inserted += try await sql.raw("""
                INSERT INTO track_records (camera_id, track_id, time_us, frame, class_id, x, y, w, h, score)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT DO NOTHING RETURNING track_id
                """).all().count
            start = end
        }
        return inserted
    }

    static func record(_ row: any SQLRow) throws -> TrackRecord {
        TrackRecord(cameraID: try row.decode(column: "camera_id", as: String.self),
                    trackID: try row.decode(column: "track_id", as: Int64.self),
                    timeMicroseconds: try row.decode(column: "time_us", as: Int64.self),
                    frame: try row.decode(column: "frame", as: Int64.self),
                    classID: try row.decode(column: "class_id", as: Int.self),
                    x: try row.decode(column: "x", as: Double.self),
                    y: try row.decode(column: "y", as: Double.self),
                    width: try row.decode(column: "w", as: Double.self),
                    height: try row.decode(column: "h", as: Double.self),
                    score: try row.decode(column: "score", as: Double.self))
    }
}

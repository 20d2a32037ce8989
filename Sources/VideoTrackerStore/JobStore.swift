import SQLKit

/// The jobs table: every read and write of a job, one statement each, so that concurrent
/// callers (the API, the queue's workers) never see half a change.
public struct JobStore: Sendable {
    let sql: any SQLDatabase
    let kind: StoreDatabase.Kind

    public init(database: StoreDatabase) {
        sql = database.sql
        kind = database.kind
    }

    public func insert(_ job: JobRecord) async throws {
        try await sql.raw("""
            INSERT INTO jobs (id, status, source_url, video_name, upload_bytes, score_threshold, classes,
                              every_frames, input_size, track, frames_done, frames_total, attempts, created_at, updated_at)
            VALUES (\(bind: job.id), \(bind: job.status.rawValue), \(bind: job.sourceURL), \(bind: job.videoName),
                    \(bind: job.uploadBytes), \(bind: job.options.scoreThreshold),
                    \(bind: job.options.classes?.joined(separator: ",")), \(bind: job.options.every),
                    \(bind: job.options.inputSize), \(bind: job.options.track), \(bind: job.framesDone), \(bind: job.framesTotal),
                    \(bind: job.attempts), \(bind: job.createdAt), \(bind: job.createdAt))
            """).run()
    }

    public func job(id: String) async throws -> JobRecord? {
        try await sql.raw("SELECT * FROM jobs WHERE id = \(bind: id)").first().map(Self.record)
    }

    /// Newest first.
    public func list(limit: Int = 1000) async throws -> [JobRecord] {
        try await sql.raw("SELECT * FROM jobs ORDER BY created_at DESC, id LIMIT \(bind: limit)").all().map(Self.record)
    }

    public func count(status: JobRecord.Status) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE status = \(bind: status.rawValue)")
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// Takes the oldest queued job and marks it running, in one statement: two workers (or two
    /// replicas) never get the same job. SQLite runs one writer at a time. PostgreSQL runs them
    /// together: the subselect locks the row it picks and skips rows another claim has locked
    /// (without it, a second claim would wait for the first, then re-check only `id =` and take
    /// the same job again).
    public func claimNext() async throws -> JobRecord? {
        let now = JobClock.now()
        let lock: SQLQueryString = kind == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
        return try await sql.raw("""
            UPDATE jobs SET status = 'running', attempts = attempts + 1, frames_done = 0, frames_total = NULL,
                            started_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1\(lock))
              AND status = 'queued'
            RETURNING *
            """).first().map(Self.record)
    }

    /// At start: jobs a stopped process left running go back to the queue, to run again from their video.
    @discardableResult
    public func requeueInterrupted() async throws -> [String] {
        try await sql.raw("""
            UPDATE jobs SET status = 'queued', frames_done = 0, frames_total = NULL, updated_at = \(bind: JobClock.now())
            WHERE status = 'running' RETURNING id
            """).all(decodingColumn: "id", as: String.self)
    }

    /// A running job stopped by a shutdown goes back to the queue.
    public func requeue(id: String) async throws {
        try await sql.raw("""
            UPDATE jobs SET status = 'queued', frames_done = 0, frames_total = NULL, updated_at = \(bind: JobClock.now())
            WHERE id = \(bind: id) AND status = 'running'
            """).run()
    }

    /// Progress of a running job; a late call after the job ended changes nothing.
    public func recordProgress(id: String, framesDone: Int, framesTotal: Int?) async throws {
        try await sql.raw("""
            UPDATE jobs SET frames_done = \(bind: framesDone), frames_total = \(bind: framesTotal),
                            updated_at = \(bind: JobClock.now())
            WHERE id = \(bind: id) AND status = 'running' AND frames_done <= \(bind: framesDone)
            """).run()
    }

    /// Returns false when the job is gone (deleted while it ran).
    @discardableResult
    public func markDone(id: String, framesDone: Int, framesTotal: Int?) async throws -> Bool {
        let now = JobClock.now()
        return try await sql.raw("""
            UPDATE jobs SET status = 'done', frames_done = \(bind: framesDone), frames_total = \(bind: framesTotal),
                            error_code = NULL, error_message = NULL, finished_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: id) RETURNING id
            """).first() != nil
    }

    @discardableResult
    public func markFailed(id: String, failure: JobRecord.Failure) async throws -> Bool {
        let now = JobClock.now()
        return try await sql.raw("""
            UPDATE jobs SET status = 'failed', error_code = \(bind: failure.code), error_message = \(bind: failure.message),
                            finished_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: id) RETURNING id
            """).first() != nil
    }

    /// Returns whether there was such a job.
    @discardableResult
    public func delete(id: String) async throws -> Bool {
        try await sql.raw("DELETE FROM jobs WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    private static func record(_ row: any SQLRow) throws -> JobRecord {
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = JobRecord.Status(rawValue: statusText) else {
            throw StoreError("job row with an unknown status \(statusText)")
        }
        let classes = try row.decode(column: "classes", as: String?.self)
        var job = JobRecord(
            id: try row.decode(column: "id", as: String.self),
            sourceURL: try row.decode(column: "source_url", as: String?.self),
            videoName: try row.decode(column: "video_name", as: String.self),
            uploadBytes: try row.decode(column: "upload_bytes", as: Int64?.self),
            options: JobOptions(scoreThreshold: try row.decode(column: "score_threshold", as: Double.self),
                                classes: classes.map { $0.split(separator: ",").map(String.init) },
                                every: try row.decode(column: "every_frames", as: Int.self),
                                inputSize: try row.decode(column: "input_size", as: Int.self),
                                track: try row.decode(column: "track", as: Bool.self)),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
        job.status = status
        job.framesDone = try row.decode(column: "frames_done", as: Int.self)
        job.framesTotal = try row.decode(column: "frames_total", as: Int?.self)
        if let code = try row.decode(column: "error_code", as: String?.self) {
            job.failure = .init(code: code, message: try row.decode(column: "error_message", as: String?.self) ?? "")
        }
        job.attempts = try row.decode(column: "attempts", as: Int.self)
        job.startedAt = try row.decode(column: "started_at", as: Int64?.self)
        job.finishedAt = try row.decode(column: "finished_at", as: Int64?.self)
        return job
    }
}

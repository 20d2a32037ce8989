import Logging
import SQLKit

/// The schema as numbered steps. A database records the steps it has in `schema_migrations`;
/// opening it applies the missing ones in order, each in a transaction with its record. Steps
/// are never edited once released: a change is a new step. The SQL is the subset SQLite and
/// PostgreSQL share (BIGINT milliseconds for times, no AUTOINCREMENT).
enum Migrations {
    struct Step {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let steps: [Step] = [
        Step(version: 1, name: "jobs", statements: [
            """
            CREATE TABLE jobs (
                id VARCHAR(32) PRIMARY KEY,
                status VARCHAR(16) NOT NULL,
                source_url TEXT,
                video_name TEXT NOT NULL,
                upload_bytes BIGINT,
                score_threshold DOUBLE PRECISION NOT NULL,
                classes TEXT,
                every_frames INTEGER NOT NULL,
                input_size INTEGER NOT NULL,
                frames_done INTEGER NOT NULL DEFAULT 0,
                frames_total INTEGER,
                error_code VARCHAR(64),
                error_message TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX jobs_status_created ON jobs (status, created_at)",
        ]),
        // Jobs that link their detections into tracks (ByteTrack); the jobs made before were not.
        // BOOLEAN and FALSE: PostgreSQL's own type, SQLite stores 0 and 1.
        Step(version: 2, name: "jobs_track", statements: [
            "ALTER TABLE jobs ADD COLUMN track BOOLEAN NOT NULL DEFAULT FALSE",
        ]),
    ]

    static var latest: Int { steps.map(\.version).max() ?? 0 }

    static func apply(to sql: any SQLDatabase, logger: Logger, through version: Int = latest) async throws {
        try await sql.raw("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
            """).run()
        let applied = try await sql.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self)
        if let newest = applied.max(), newest > latest {
            throw StoreError("the database is at schema version \(newest), newer than this binary knows (\(latest)): refusing to touch it")
        }
        for step in steps where step.version <= version && !applied.contains(step.version) {
            try await sql.withSession { session in
                try await session.raw("BEGIN").run()
                do {
                    for statement in step.statements { try await session.raw("\(unsafeRaw: statement)").run() }
                    try await session.raw("""
                        INSERT INTO schema_migrations (version, name, applied_at)
                        VALUES (\(bind: step.version), \(bind: step.name), \(bind: JobClock.now()))
                        """).run()
                    try await session.raw("COMMIT").run()
                } catch {
                    try? await session.raw("ROLLBACK").run()
                    throw error
                }
            }
            logger.notice("database migrated", metadata: ["version": "\(step.version)", "step": "\(step.name)"])
        }
    }
}

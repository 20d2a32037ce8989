import Logging
import SQLKit

/// The schema as numbered steps. A database records the steps it has in `schema_migrations`;
/// opening it applies the missing ones in order, in one transaction with their records. Steps
/// are never edited once released: a change is a new step. The SQL is the subset SQLite and
/// PostgreSQL share (BIGINT milliseconds for times, no AUTOINCREMENT); every step so far runs
/// unchanged on both.
enum Migrations {
    struct Step: Sendable {
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
        // Cameras (issue 14): live streams processed by one replica at a time (the lease columns),
        // or a name that only receives imported tracks (url NULL).
        Step(version: 3, name: "cameras", statements: [
            """
            CREATE TABLE cameras (
                id VARCHAR(32) PRIMARY KEY,
                name TEXT NOT NULL,
                url TEXT,
                classes TEXT NOT NULL,
                fps DOUBLE PRECISION,
                every_frames INTEGER NOT NULL DEFAULT 1,
                paused BOOLEAN NOT NULL DEFAULT FALSE,
                status VARCHAR(16) NOT NULL,
                status_reason TEXT,
                lease_owner VARCHAR(64),
                lease_expires_at BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ]),
        // Every tracked box a camera saw, once (the key), in DOUBLE PRECISION so MOT text
        // round-trips exactly; the index serves exports and analytics by time.
        Step(version: 4, name: "track_records", statements: [
            """
            CREATE TABLE track_records (
                camera_id VARCHAR(32) NOT NULL,
                track_id BIGINT NOT NULL,
                time_us BIGINT NOT NULL,
                frame BIGINT NOT NULL,
                class_id INTEGER NOT NULL,
                x DOUBLE PRECISION NOT NULL,
                y DOUBLE PRECISION NOT NULL,
                w DOUBLE PRECISION NOT NULL,
                h DOUBLE PRECISION NOT NULL,
                score DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (camera_id, track_id, time_us)
            )
            """,
            "CREATE INDEX track_records_camera_time ON track_records (camera_id, time_us)",
        ]),
        // The replicas alive (their heartbeats), to share the cameras out fairly.
        Step(version: 5, name: "replicas", statements: [
            "CREATE TABLE replicas (id VARCHAR(64) PRIMARY KEY, heartbeat_at BIGINT NOT NULL)",
        ]),
        // Named zones of a camera's picture (issue 15's analytics): a polygon as `x y;x y;...`.
        Step(version: 6, name: "camera_zones", statements: [
            """
            CREATE TABLE camera_zones (
                camera_id VARCHAR(32) NOT NULL,
                name VARCHAR(64) NOT NULL,
                points TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (camera_id, name)
            )
            """,
        ]),
    ]

    static var latest: Int { steps.map(\.version).max() ?? 0 }

    /// A fixed key for PostgreSQL's advisory lock that migrations run under.
    static let postgresLockKey: Int64 = 0x7669_6465_6f74_726b  // "videotrk"

    static func apply(to sql: any SQLDatabase, kind: StoreDatabase.Kind, logger: Logger, through version: Int = latest) async throws {
        // Everything, the bookkeeping table's creation included, in one transaction that a second
        // process opening the database at the same moment (replicas starting together) waits
        // for, and then finds the steps applied: SQLite's BEGIN IMMEDIATE takes the file's write
        // lock first; PostgreSQL takes an advisory lock (its DDL is transactional too).
        try await sql.withSession { session in
            try await StoreDatabase.inTransaction(session, begin: kind == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN") { transaction in
                if kind == .postgresql {
                    try await transaction.raw("SELECT pg_advisory_xact_lock(\(bind: postgresLockKey))").run()
                }
                try await applyMissing(to: transaction, logger: logger, through: version)
            }
        }
    }

    private static func applyMissing(to sql: any SQLDatabase, logger: Logger, through version: Int) async throws {
        try await sql.raw("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
            """).run()
        let applied = try await sql.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self)
        if let newest = applied.max(), newest > latest {
            throw StoreError("the database is at schema version \(newest), newer than this binary knows (\(latest)): refusing to touch it")
        }
        for step in steps where step.version <= version && !applied.contains(step.version) {
            for statement in step.statements { try await sql.raw("\(unsafeRaw: statement)").run() }
            try await sql.raw("""
                INSERT INTO schema_migrations (version, name, applied_at)
                VALUES (\(bind: step.version), \(bind: step.name), \(bind: JobClock.now()))
                """).run()
            logger.notice("database migrated", metadata: ["version": "\(step.version)", "step": "\(step.name)"])
        }
    }
}

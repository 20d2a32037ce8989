import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The service's database, spoken to through SQLKit so the same queries run on SQLite (the
/// default: one file under the data folder) and, later, on PostgreSQL. Opening it brings the
/// schema up to date (`Migrations`).
public final class JobDatabase: Sendable {
    /// Every query goes through this; nothing above the store sees which database it is.
    public let sql: any SQLDatabase
    private let close: @Sendable () async throws -> Void

    private init(sql: any SQLDatabase, close: @escaping @Sendable () async throws -> Void) {
        self.sql = sql
        self.close = close
    }

    /// Opens (creating) the SQLite file at `path` in WAL mode and applies the migrations it lacks.
    /// SQLite's calls run on NIO's thread pool, never on Swift's concurrency threads.
    public static func openSQLite(path: String, logger: Logger) async throws -> JobDatabase {
        try await openSQLite(path: path, logger: logger, migratingThrough: Migrations.latest)
    }

    /// The same, with the schema brought only up to `version`: how the tests make a database as
    /// an older release left it.
    static func openSQLite(path: String, logger: Logger, migratingThrough version: Int) async throws -> JobDatabase {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            let sql = connection.sql(queryLogLevel: .trace)
            // WAL: readers (the API) never wait for the queue's writes, and a crash leaves the
            // file consistent. FULL: a job the API answered 202 for is on disk, power cut or not.
            let mode = try await sql.raw("PRAGMA journal_mode = WAL").first()?.decode(column: "journal_mode", as: String.self)
            guard mode?.lowercased() == "wal" else {
                throw StoreError("the database \(path) could not be put in WAL mode (it stays \(mode ?? "unknown"))")
            }
            try await sql.raw("PRAGMA synchronous = FULL").run()
            try await sql.raw("PRAGMA busy_timeout = 5000").run()
            try await Migrations.apply(to: sql, logger: logger, through: version)
            return JobDatabase(sql: sql, close: { try await connection.close() })
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public func shutdown() async throws { try await close() }
}

/// A failure of the store itself (schema, a row it cannot read): the service logs it and answers 500.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The service's database, spoken to through SQLKit so the same queries run on SQLite (the
/// default: one file under the data folder) and on PostgreSQL (several replicas sharing jobs and
/// cameras). Opening it brings the schema up to date (`Migrations`). The stores ask `kind` only
/// for the few statements the two dialects write differently.
public final class StoreDatabase: Sendable {
    public enum Kind: String, Sendable {
        case sqlite, postgresql
    }

    public let kind: Kind
    /// Every single statement goes through this; nothing above the store sees which database it is.
    public let sql: any SQLDatabase
    private let runTransaction: TransactionRunner
    private let close: @Sendable () async throws -> Void

    typealias TransactionRunner = @Sendable (_ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void

    private init(kind: Kind, sql: any SQLDatabase, transaction: @escaping TransactionRunner,
                 close: @escaping @Sendable () async throws -> Void) {
        self.kind = kind
        self.sql = sql
        self.runTransaction = transaction
        self.close = close
    }

    /// Runs `body` in one transaction: its statements all take effect or (it threw) none do.
    /// Use only the database it is given; `sql` is outside the transaction.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let result = LockedResult<T>()
        try await runTransaction { database in result.value = try await body(database) }
        return result.value!
    }

    public func shutdown() async throws { try await close() }

    // MARK: SQLite

    /// Opens (creating) the SQLite file at `path` in WAL mode and applies the migrations it lacks.
    /// SQLite's calls run on NIO's thread pool, never on Swift's concurrency threads.
    public static func openSQLite(path: String, logger: Logger) async throws -> StoreDatabase {
        try await openSQLite(path: path, logger: logger, migratingThrough: Migrations.latest)
    }

    /// The same, with the schema brought only up to `version`: how the tests make a database as
    /// an older release left it.
    static func openSQLite(path: String, logger: Logger, migratingThrough version: Int) async throws -> StoreDatabase {
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
            try await sql.raw("PRAGMA busy_timeout = \(raw: String(SQLiteTransactions.busyTimeoutMilliseconds))").run()
            try await Migrations.apply(to: sql, kind: .sqlite, logger: logger, through: version)
            let transactions = try await SQLiteTransactions.open(path: path, logger: logger)
            return StoreDatabase(kind: .sqlite, sql: sql, transaction: transactions.run, close: {
                try? await transactions.close()
                try await connection.close()
            })
        } catch {
            try? await connection.close()
            throw error
        }
    }

    // MARK: PostgreSQL

    /// Connects to PostgreSQL through a small pool and applies the migrations the database lacks
    /// (under a lock: replicas starting together migrate once). `url`:
    /// `postgres://user:password@host:port/database?sslmode=disable|prefer|require` (prefer when
    /// not given), or over a unix socket: `postgres://user@/database?host=/run/postgresql&port=5432`
    /// (libpq's form: the socket is `<host>/.s.PGSQL.<port>`, port 5432 when not given) or
    /// `postgres+uds://user@localhost/path/to/.s.PGSQL.5432#database`.
    public static func openPostgreSQL(url: String, logger: Logger) async throws -> StoreDatabase {
        try await openPostgreSQL(url: url, logger: logger, migratingThrough: Migrations.latest)
    }

    static func openPostgreSQL(url: String, logger: Logger, migratingThrough version: Int) async throws -> StoreDatabase {
        let connection = try PostgresURL.coreConfiguration(url)
        // One connection first: a wrong host, user or database fails here at once, with its
        // reason, rather than after the pool's retries (a minute).
        do {
            try await PostgresConnection.connect(configuration: connection, id: 0, logger: logger).close()
        } catch {
            let target = connection.unixSocketPath ?? "\(connection.host ?? "?"):\(connection.port ?? 5432)"
            throw StoreError("cannot connect to PostgreSQL at \(target) as \(connection.username): \(String(reflecting: error))")
        }
        let client = PostgresClient(configuration: try PostgresURL.clientConfiguration(connection), backgroundLogger: logger)
        let running = Self.startRunning(client)
        let sql = PostgresPoolDatabase(client: client, logger: logger)
        do {
            try await Migrations.apply(to: sql, kind: .postgresql, logger: logger, through: version)
        } catch {
            running.cancel()
            await running.value
            throw error
        }
        return StoreDatabase(kind: .postgresql, sql: sql, transaction: { body in
            try await sql.withSession { session in
                try await Self.inTransaction(session, begin: "BEGIN", body)
            }
        }, close: {
            running.cancel()
            await running.value
        })
    }

    /// The pool runs in its own task; started at once where Swift can (`Task.immediate`), so that
    /// the first query does not find it not yet running (PostgresNIO warns of that).
    private static func startRunning(_ client: PostgresClient) -> Task<Void, Never> {
        #if compiler(>=6.2)
        if #available(macOS 26, *) {
            return Task.immediate { await client.run() }
        }
        #endif
        return Task { await client.run() }
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK and rethrow when it fails.
    static func inTransaction(_ session: any SQLDatabase, begin: String,
                              _ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        try await session.raw("\(unsafeRaw: begin)").run()
        do {
            try await body(session)
            try await session.raw("COMMIT").run()
        } catch {
            try? await session.raw("ROLLBACK").run()
            throw error
        }
    }
}

/// A transaction's result carried out of its @Sendable body (written once, read after it returned).
private final class LockedResult<T>: @unchecked Sendable {
    var value: T?
}

import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// Transactions on SQLite: a second connection to the same file, used by one transaction at a
/// time. On the service's shared connection a BEGIN would sweep every other task's statements
/// into the transaction (and a ROLLBACK would undo them); on its own connection SQLite's file
/// locks keep them apart. BEGIN IMMEDIATE takes the write lock first, so two writers wait for
/// each other (busy_timeout) instead of failing on a lock upgrade. Its own thread keeps a
/// transaction going while the shared pool's threads wait for its lock.
final class SQLiteTransactions: Sendable {
    /// How long a statement waits for another connection's write lock before "database is
    /// locked". 30 s, not 5: on a busy machine four cameras' and the jobs' transactions queued
    /// behind one another waited over 5 s, and failing a write loses more than waiting for it.
    static let busyTimeoutMilliseconds = 30_000
    private let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    private let gate = AsyncGate()

    private init(connection: SQLiteConnection, threadPool: NIOThreadPool) {
        self.connection = connection
        self.threadPool = threadPool
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteTransactions {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        do {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger,
                                                             on: MultiThreadedEventLoopGroup.singleton.any()).get()
            let sql = connection.sql(queryLogLevel: .trace)
            try await sql.raw("PRAGMA synchronous = FULL").run()
            try await sql.raw("PRAGMA busy_timeout = \(raw: String(busyTimeoutMilliseconds))").run()
            return SQLiteTransactions(connection: connection, threadPool: threadPool)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    func run(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        await gate.enter()
        do {
            try await StoreDatabase.inTransaction(connection.sql(queryLogLevel: .trace), begin: "BEGIN IMMEDIATE", body)
        } catch {
            await gate.leave()
            throw error
        }
        await gate.leave()
    }

    func close() async throws {
        try await connection.close().get()
        try await threadPool.shutdownGracefully()
    }
}

/// One at a time, first come first served.
actor AsyncGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()  // the gate stays busy: handed over
        }
    }
}

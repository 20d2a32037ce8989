import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// SQLKit over PostgresNIO's connection pool (`PostgresClient`): each statement leases a
/// connection for itself; `withSession` keeps one for a transaction.
///
/// A lease waits at most `leaseTimeout`: while the database is down the pool keeps retrying for
/// about a minute before it fails its waiters, and a request held that long helps nobody. Past
/// the timeout the lease is cancelled and `StoreError.unavailable` thrown (the service answers
/// 503). A statement that has its connection runs as long as it needs.
struct PostgresPoolDatabase: SQLDatabase {
    static let defaultLeaseTimeout: Duration = .seconds(5)

    let client: PostgresClient
    let logger: Logger
    var leaseTimeout = PostgresPoolDatabase.defaultLeaseTimeout
    let eventLoop: any EventLoop = PostgresClient.defaultEventLoopGroup.any()
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await withLeasedConnection { connection in
            try await connection.sql(queryLogLevel: queryLogLevel, logger: logger).execute(sql: query, onRow)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let result = SessionResult<R>()
        try await withLeasedConnection { connection in
            result.value = try await closure(connection.sql(queryLogLevel: queryLogLevel, logger: logger))
        }
        return result.value!
    }

    /// `body` on a pooled connection, the wait for it bounded by `leaseTimeout`.
    private func withLeasedConnection(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        let leased = LeaseFlag()
        let (client, timeout) = (client, leaseTimeout)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.mark()
                    try await body(connection)
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                guard leased.isSet else {
                    throw StoreError.unavailable("PostgreSQL gave no connection within \(timeout) (is the database down?)")
                }
                return false
            }
            // The statement's end, or the timer's throw (which cancels the waiting lease).
            while let finished = try await group.next() {
                if finished { group.cancelAll(); return }
            }
        }
    }
}

/// Set once a connection is leased: the lease timer's question.
private final class LeaseFlag: Sendable {
    private let value = Mutex(false)
    func mark() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

private final class SessionResult<R>: @unchecked Sendable {
    var value: R?
}

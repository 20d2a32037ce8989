import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// SQLKit over PostgresNIO's connection pool (`PostgresClient`): each statement leases a
/// connection for itself; `withSession` keeps one for a transaction.
struct PostgresPoolDatabase: SQLDatabase {
    let client: PostgresClient
    let logger: Logger
    let eventLoop: any EventLoop = PostgresClient.defaultEventLoopGroup.any()
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.sql(queryLogLevel: queryLogLevel, logger: logger).execute(sql: query, onRow)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let result = SessionResult<R>()
        try await client.withConnection { connection in
            result.value = try await closure(connection.sql(queryLogLevel: queryLogLevel, logger: logger))
        }
        return result.value!
    }
}

private final class SessionResult<R>: @unchecked Sendable {
    var value: R?
}

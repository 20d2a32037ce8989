import Foundation
import PostgresKit
import PostgresNIO

/// A PostgreSQL URL as PostgresNIO's pool wants it. postgres-kit reads the usual forms
/// (`postgres://`, `postgresql://`, `postgres+uds://`); libpq's unix-socket form
/// (`postgres://user@/db?host=/socket/dir&port=5432`) is read here.
enum PostgresURL {
    /// Connections a process keeps at most: the queue's workers, the cameras' batches, the API.
    static let maximumConnections = 8

    /// The pool's configuration for a connection's (`coreConfiguration(_:)`).
    static func clientConfiguration(_ core: PostgresConnection.Configuration) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socket = core.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: core.username, password: core.password, database: core.database)
        } else if let host = core.host {
            let tls: PostgresClient.Configuration.TLS
            if core.tls.isEnforced, let context = core.tls.sslContext {
                tls = .require(context.configuration)
            } else if core.tls.isAllowed, let context = core.tls.sslContext {
                tls = .prefer(context.configuration)
            } else {
                tls = .disable
            }
            configuration = .init(host: host, port: core.port ?? 5432, username: core.username, password: core.password,
                                  database: core.database, tls: tls)
        } else {
            throw StoreError("the PostgreSQL URL names neither a host nor a socket")
        }
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    static func coreConfiguration(_ url: String) throws -> PostgresConnection.Configuration {
        // The message never repeats the URL: it may hold a password.
        let invalid = StoreError("the database URL is not a PostgreSQL URL (postgres://user@host:port/database)")
        guard let components = URLComponents(string: url) else { throw invalid }
        if ["postgres", "postgresql"].contains(components.scheme ?? ""), (components.host ?? "").isEmpty,
           let directory = components.queryItems?.last(where: { $0.name == "host" })?.value, directory.hasPrefix("/") {
            guard let user = components.user, !user.isEmpty else { throw invalid }
            let database = String(components.path.drop(while: { $0 == "/" }))
            let port = components.port ?? components.queryItems?.last(where: { $0.name == "port" })?.value.flatMap { Int($0) } ?? 5432
            return .init(unixSocketPath: directory + "/.s.PGSQL.\(port)", username: user,
                         password: components.password, database: database.isEmpty ? nil : database)
        }
        do {
            return try SQLPostgresConfiguration(url: url).coreConfiguration
        } catch {
            throw invalid
        }
    }
}

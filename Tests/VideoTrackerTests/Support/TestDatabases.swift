import Foundation
import Logging
import Testing
@testable import VideoTrackerStore

/// A fresh database of either kind for one test: an SQLite file in a temporary folder, or a new
/// database on the shared test PostgreSQL (`PostgresServer`). `open` may be called again (a
/// restart, a second replica); `remove` deletes it.
struct TestDatabase: Sendable {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    let kind: StoreDatabase.Kind
    private let location: String
    private let cleanup: @Sendable () async -> Void

    static func make(_ kind: StoreDatabase.Kind) async throws -> TestDatabase {
        switch kind {
        case .sqlite:
            let folder = temporaryFolder("store")
            return TestDatabase(kind: kind, location: folder.appendingPathComponent("store.sqlite").path,
                                cleanup: { try? FileManager.default.removeItem(at: folder) })
        case .postgresql:
            let server = try await PostgresServer.shared()
            let name = try await server.createDatabase()
            return TestDatabase(kind: kind, location: server.url(database: name), cleanup: { await server.dropDatabase(name) })
        }
    }

    func open(migratingThrough version: Int = Migrations.latest) async throws -> StoreDatabase {
        switch kind {
        case .sqlite: try await StoreDatabase.openSQLite(path: location, logger: Self.logger, migratingThrough: version)
        case .postgresql: try await StoreDatabase.openPostgreSQL(url: location, logger: Self.logger, migratingThrough: version)
        }
    }

    func remove() async { await cleanup() }

    /// A fresh database, opened at the latest schema for `body`, closed and removed after it.
    static func with(_ kind: StoreDatabase.Kind, _ body: (StoreDatabase) async throws -> Void) async throws {
        let test = try await make(kind)
        let database: StoreDatabase
        do {
            database = try await test.open()
        } catch {
            await test.remove()
            throw error
        }
        do {
            try await body(database)
        } catch {
            try? await database.shutdown()
            await test.remove()
            throw error
        }
        try await database.shutdown()
        await test.remove()
    }
}

extension StoreDatabase.Kind: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

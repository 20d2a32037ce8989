import Foundation
import Logging
import SQLKit
import Testing
@testable import VideoTrackerStore

/// The job table on a real SQLite file (schema versions, WAL, restart recovery), and the queue's
/// operations on PostgreSQL too.
@Suite("Job store", .serialized)
struct JobStoreTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func job(_ name: String, at time: Int64) -> JobRecord {
        JobRecord(id: JobRecord.makeID(), sourceURL: nil, videoName: name, uploadBytes: 10,
                  options: JobOptions(scoreThreshold: 0.4, classes: ["person", "traffic light"], every: 2, inputSize: 416),
                  createdAt: time)
    }

    @Test("a new file gets the schema in WAL mode, its version recorded once; reopening applies nothing twice")
    func migrations() async throws {
        let folder = temporaryFolder("store")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("jobs.sqlite").path
        let first = try await StoreDatabase.openSQLite(path: path, logger: Self.logger)
        let mode = try await first.sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
        #expect(mode == "wal")
        try await JobStore(database: first).insert(Self.job("a.mp4", at: 1))
        try await first.shutdown()
        #expect(FileManager.default.fileExists(atPath: path))

        try await Self.withDatabase(path) { second in
            let versions = try await second.sql.raw("SELECT version FROM schema_migrations ORDER BY version")
                .all(decodingColumn: "version", as: Int.self)
            #expect(versions == Array(1...Migrations.latest))
            #expect(try await JobStore(database: second).list().map(\.videoName) == ["a.mp4"], "the row survived reopening")
        }
    }

    @Test("a version-1 database (the first release's) gains the track column on opening: its rows read track false, new rows keep true")
    func migrationAddsTrack() async throws {
        let folder = temporaryFolder("store")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("jobs.sqlite").path
        // The file as the first release left it: schema step 1 only, a row written with its columns.
        let old = try await StoreDatabase.openSQLite(path: path, logger: Self.logger, migratingThrough: 1)
        let columns = try await old.sql.raw("SELECT name FROM pragma_table_info('jobs')").all(decodingColumn: "name", as: String.self)
        #expect(!columns.contains("track"))
        try await old.sql.raw("""
            INSERT INTO jobs (id, status, video_name, upload_bytes, score_threshold, classes, every_frames, input_size,
                              created_at, updated_at)
            VALUES ('oldjob0000000001', 'done', 'old.mp4', 10, 0.3, 'person', 1, 416, 1, 1)
            """).run()
        try await old.shutdown()

        try await Self.withDatabase(path) { database in
            let versions = try await database.sql.raw("SELECT version FROM schema_migrations ORDER BY version")
                .all(decodingColumn: "version", as: Int.self)
            #expect(versions == Array(1...Migrations.latest))
            let store = JobStore(database: database)
            let oldJob = try #require(try await store.job(id: "oldjob0000000001"))
            #expect(oldJob.options == JobOptions(scoreThreshold: 0.3, classes: ["person"], every: 1, inputSize: 416, track: false))
            #expect(oldJob.status == .done)
            var tracked = Self.job("tracked.mp4", at: 2)
            tracked.options.track = true
            try await store.insert(tracked)
            #expect(try await store.job(id: tracked.id) == tracked)
            #expect(try await store.job(id: tracked.id)?.options.track == true)
        }
    }

    @Test("a database from a newer binary is refused, not touched")
    func newerSchemaRefused() async throws {
        let folder = temporaryFolder("store")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("jobs.sqlite").path
        let database = try await StoreDatabase.openSQLite(path: path, logger: Self.logger)
        try await database.sql.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)").run()
        try await database.shutdown()
        await #expect(throws: StoreError.self) { _ = try await StoreDatabase.openSQLite(path: path, logger: Self.logger) }
    }

    @Test("rows round-trip; claims take the oldest queued job once; progress, done, failed, delete",
          arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func queueOperations(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { database in
        let store = JobStore(database: database)
        let older = Self.job("older.mp4", at: 1000), newer = Self.job("newer.mp4", at: 2000)
        try await store.insert(newer)
        try await store.insert(older)
        #expect(try await store.job(id: older.id) == older, "every column round-trips")
        #expect(try await store.list().map(\.id) == [newer.id, older.id], "newest first")

        // Two claims at once still get two different jobs, the oldest first.
        async let first = store.claimNext()
        async let second = store.claimNext()
        let claimed = try await [first, second].compactMap { $0 }
        #expect(Set(claimed.map(\.id)) == [older.id, newer.id])
        #expect(claimed.allSatisfy { $0.status == .running && $0.attempts == 1 && $0.startedAt != nil })
        #expect(try await store.claimNext() == nil)

        try await store.recordProgress(id: older.id, framesDone: 40, framesTotal: 120)
        try await store.recordProgress(id: older.id, framesDone: 30, framesTotal: 120)
        #expect(try await store.job(id: older.id)?.framesDone == 40, "a late, older progress report does not go back")
        #expect(try await store.markDone(id: older.id, framesDone: 120, framesTotal: 120))
        try await store.recordProgress(id: older.id, framesDone: 50, framesTotal: 120)
        let done = try #require(try await store.job(id: older.id))
        #expect(done.status == .done && done.framesDone == 120 && done.finishedAt != nil, "progress after the end changes nothing")

        let failure = JobRecord.Failure(code: "not_a_video", message: "the url is not a video")
        #expect(try await store.markFailed(id: newer.id, failure: failure))
        #expect(try await store.job(id: newer.id)?.failure == failure)

        #expect(try await store.delete(id: newer.id))
        #expect(try await !store.delete(id: newer.id), "a second delete finds nothing")
        #expect(try await !store.markDone(id: newer.id, framesDone: 1, framesTotal: 1), "a deleted job cannot be finished")
        #expect(try await store.list().map(\.id) == [older.id])
        }
    }

    @Test("after a crash, running jobs go back to the queue with their progress reset; queued and finished ones stay")
    func requeueInterrupted() async throws {
        let folder = temporaryFolder("store")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("jobs.sqlite").path
        let database = try await StoreDatabase.openSQLite(path: path, logger: Self.logger)
        let store = JobStore(database: database)
        let running = Self.job("running.mp4", at: 1), finished = Self.job("finished.mp4", at: 2), queued = Self.job("queued.mp4", at: 3)
        for job in [running, finished, queued] { try await store.insert(job) }
        _ = try await store.claimNext()
        _ = try await store.claimNext()
        try await store.recordProgress(id: running.id, framesDone: 7, framesTotal: 100)
        try await store.markDone(id: finished.id, framesDone: 100, framesTotal: 100)
        // No clean shutdown: the next process opens the same file while this one still has it open.
        try await Self.withDatabase(path) { second in
            let reopened = JobStore(database: second)
            #expect(try await reopened.requeueInterrupted() == [running.id])
            let after = try #require(try await reopened.job(id: running.id))
            #expect(after.status == .queued && after.framesDone == 0 && after.attempts == 1)
            #expect(try await reopened.job(id: finished.id)?.status == .done)
            #expect(try await reopened.job(id: queued.id)?.status == .queued)
            #expect(try await reopened.claimNext()?.id == running.id, "the interrupted job is first again")
        }
        try await database.shutdown()
    }

    /// Opens the file, runs `body`, and closes it whatever happens.
    static func withDatabase(_ path: String, _ body: (StoreDatabase) async throws -> Void) async throws {
        let database = try await StoreDatabase.openSQLite(path: path, logger: logger)
        do {
            try await body(database)
        } catch {
            try? await database.shutdown()
            throw error
        }
        try await database.shutdown()
    }
}

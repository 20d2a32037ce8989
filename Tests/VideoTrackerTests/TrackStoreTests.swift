import Foundation
import SQLKit
import Testing
@testable import VideoTrackerStore

/// The schema and the track records on both databases: a real SQLite file and a real PostgreSQL
/// (`PostgresServer`), the same assertions for each.
@Suite("Track store (SQLite and PostgreSQL)")
struct TrackStoreTests {
    static let kinds: [StoreDatabase.Kind] = [.sqlite, .postgresql]

    static func versions(_ database: StoreDatabase) async throws -> [Int] {
        try await database.sql.raw("SELECT version FROM schema_migrations ORDER BY version").all(decodingColumn: "version", as: Int.self)
    }

    static func record(_ camera: String, track: Int64, time: Int64, x: Double = 1.5) -> TrackRecord {
        TrackRecord(cameraID: camera, trackID: track, timeMicroseconds: time, frame: time / 40_000, classID: 0,
                    x: x, y: 2.25, width: 30, height: 60.125, score: 0.875)
    }

    @Test("an empty database gets every step once, in order; opening it again applies nothing", arguments: kinds)
    func migrationsFromEmpty(kind: StoreDatabase.Kind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { Task { await test.remove() } }
        // Two processes starting together (replicas): both open, the steps are applied once.
        async let first = test.open()
        async let second = test.open()
        let (one, two) = try await (first, second)
        #expect(try await Self.versions(one) == [1, 2, 3, 4, 5, 6])
        try await two.shutdown()
        let camera = CameraRecord(name: "door", url: nil, classes: ["person"], fps: 25)
        try await CameraStore(database: one).insert(camera)
        try await TrackStore(database: one).write([Self.record(camera.id, track: 1, time: 10)])
        try await one.shutdown()

        let reopened = try await test.open()
        #expect(try await Self.versions(reopened) == [1, 2, 3, 4, 5, 6])
        #expect(try await CameraStore(database: reopened).list() == [camera], "the rows survived reopening")
        #expect(try await TrackStore(database: reopened).count(camera: camera.id) == 1)
        try await reopened.shutdown()
    }

    @Test("a step-2 database (the jobs release) gains cameras, track_records and replicas; its jobs stay", arguments: kinds)
    func migrationsFromStepTwo(kind: StoreDatabase.Kind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { Task { await test.remove() } }
        let old = try await test.open(migratingThrough: 2)
        #expect(try await Self.versions(old) == [1, 2])
        let job = JobRecord(id: JobRecord.makeID(), sourceURL: "https://example.com/a.mp4", videoName: "a.mp4", uploadBytes: nil,
                            options: JobOptions(scoreThreshold: 0.4, classes: ["person"], every: 2, inputSize: 416, track: true),
                            createdAt: 5)
        try await JobStore(database: old).insert(job)
        await #expect(throws: (any Error).self, "no cameras table yet") {
            try await old.sql.raw("SELECT COUNT(*) AS n FROM cameras").run()
        }
        try await old.shutdown()

        let database = try await test.open()
        #expect(try await Self.versions(database) == [1, 2, 3, 4, 5, 6])
        #expect(try await JobStore(database: database).job(id: job.id) == job)
        #expect(try await TrackStore(database: database).write([Self.record("cam", track: 3, time: 7)]) == 1)
        try await database.shutdown()
    }

    @Test("PostgreSQL over its unix socket, in libpq's URL form and postgres-kit's; errors name the server, never the password")
    func postgresURLs() async throws {
        let server = try await PostgresServer.shared()
        let name = try await server.createDatabase()
        defer { Task { await server.dropDatabase(name) } }
        for url in [server.socketURL(database: name),
                    "postgres+uds://postgres@localhost\(server.socketFolder)/.s.PGSQL.\(server.port)#\(name)"] {
            let database = try await StoreDatabase.openPostgreSQL(url: url, logger: TestDatabase.logger)
            #expect(database.kind == .postgresql)
            try await TrackStore(database: database).write([Self.record("cam", track: 1, time: 1)])
            #expect(try await TrackStore(database: database).count(camera: "cam") == 1)
            try await database.shutdown()
        }
        // Nothing listens on port 1: the open fails at once (not after the pool's minute of retries), saying where.
        do {
            _ = try await StoreDatabase.openPostgreSQL(url: "postgres://postgres:secret@127.0.0.1:1/\(name)?sslmode=disable",
                                                       logger: TestDatabase.logger)
            Issue.record("a server that is not there was opened")
        } catch let error as StoreError {
            #expect(error.description.hasPrefix("cannot connect to PostgreSQL at 127.0.0.1:1 as postgres"))
            #expect(!error.description.contains("secret"))
        }
        do {
            _ = try await StoreDatabase.openPostgreSQL(url: "mysql://user:secret@host/db", logger: TestDatabase.logger)
            Issue.record("a mysql URL was accepted")
        } catch let error as StoreError {
            #expect(!error.description.contains("secret"))
        }
    }

    @Test("a batch written twice is stored once: the second write inserts 0; chunks past 500 rows all land", arguments: kinds)
    func writeIsIdempotent(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = TrackStore(database: database)
            let batch = (0..<1234).map { Self.record("cam", track: Int64($0 % 7), time: Int64($0) * 1000) }
            #expect(try await store.write(batch) == 1234)
            #expect(try await store.write(batch) == 0)
            // Half old, half new: only the new half counts.
            let overlapping = (1000..<1500).map { Self.record("cam", track: Int64($0 % 7), time: Int64($0) * 1000) }
            #expect(try await store.write(overlapping) == 266)
            #expect(try await store.count(camera: "cam") == 1500)
            #expect(try await store.count(camera: "other") == 0)
            #expect(try await store.maxTrackID(camera: "cam") == 6)
            #expect(try await store.maxTrackID(camera: "other") == nil)
            #expect(try await store.timeRange(camera: "cam") == 0...1_499_000)
        }
    }

    @Test("batches of 4 cameras written at once, while jobs are written beside them, all land", arguments: kinds)
    func concurrentBatches(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { database in
            let store = TrackStore(database: database), jobs = JobStore(database: database)
            let written = try await withThrowingTaskGroup(of: Int.self) { group in
                for camera in 0..<4 {
                    group.addTask {
                        var total = 0
                        for second in 0..<10 {
                            let batch = (0..<120).map { Self.record("cam\(camera)", track: Int64($0 % 6), time: Int64(second * 120 + $0) * 1000) }
                            total += try await store.write(batch)
                        }
                        return total
                    }
                }
                group.addTask {
                    for i in 0..<20 {
                        try await jobs.insert(JobRecord(id: JobRecord.makeID(), sourceURL: nil, videoName: "\(i).mp4", uploadBytes: 1,
                                                        options: JobOptions(scoreThreshold: 0.5, classes: nil, every: 1, inputSize: 416)))
                    }
                    return 0
                }
                return try await group.reduce(0, +)
            }
            #expect(written == 4 * 1200)
            for camera in 0..<4 { #expect(try await store.count(camera: "cam\(camera)") == 1200) }
            #expect(try await jobs.count(status: .queued) == 20)
        }
    }

    struct UploadBroke: Error {}

    @Test("an import is all or nothing: a failure after 1100 rows stores none of them; a whole one stores all", arguments: kinds)
    func importAllOrNothing(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = TrackStore(database: database)
            try await store.write([Self.record("cam", track: 99, time: 1)])
            let rows = (0..<1100).map { Self.record("cam", track: 1, time: Int64($0) + 10) }
            let broken = AsyncThrowingStream<[TrackRecord], any Error> { continuation in
                continuation.yield(Array(rows[0..<600]))
                continuation.yield(Array(rows[600...]))
                continuation.finish(throwing: UploadBroke())
            }
            await #expect(throws: UploadBroke.self) { try await store.importRecords(broken) }
            #expect(try await store.count(camera: "cam") == 1, "only the record written before")

            let whole = AsyncThrowingStream<[TrackRecord], any Error> { continuation in
                continuation.yield(Array(rows[0..<600]))
                continuation.yield(Array(rows[600...]) + [Self.record("cam", track: 99, time: 1)])
                continuation.finish()
            }
            #expect(try await store.importRecords(whole) == 1100, "the record already there is not counted")
            #expect(try await store.count(camera: "cam") == 1101)
        }
    }

    @Test("export pages come in time then track order, and every value comes back bit for bit", arguments: kinds)
    func exportOrderAndExactValues(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = TrackStore(database: database)
            var generator = SplitMix(seed: 14)
            var records: [TrackRecord] = []
            for time in stride(from: Int64(1_700_000_000_000_000), to: 1_700_000_000_000_000 + 40 * 33_333, by: 33_333) {
                for track in [Int64(5), 1, 9_000_000_000, 3] {
                    records.append(TrackRecord(cameraID: "cam", trackID: track, timeMicroseconds: time, frame: time / 33_333,
                                               classID: Int(track % 80), x: generator.double(), y: -generator.double(),
                                               width: generator.double() * 1e6, height: generator.double() * 1e-9,
                                               score: generator.double()))
                }
            }
            // Values MOT text holds, and edge cases of DOUBLE PRECISION.
            records[0].x = 0.1
            records[1].x = 1e-300
            records[2].x = -0.0
            records[3].x = Double.greatestFiniteMagnitude
            records.append(Self.record("other", track: 1, time: records[5].timeMicroseconds))
            try await store.write(records.shuffled(using: &generator))

            var exported: [TrackRecord] = []
            for try await page in store.pages(camera: "cam", pageSize: 7) {
                #expect(page.count <= 7)
                exported += page
            }
            let expected = records.filter { $0.cameraID == "cam" }
                .sorted { ($0.timeMicroseconds, $0.trackID) < ($1.timeMicroseconds, $1.trackID) }
            #expect(exported.count == 160)
            #expect(exported == expected)
            // Bit for bit; only -0.0 differs on SQLite, which stores a whole REAL as an integer (0).
            let bits = { (r: TrackRecord) in [r.x, r.y, r.width, r.height, r.score].map(\.bitPattern) }
            let stored = { (value: Double) in kind == .sqlite && value == 0 ? 0.0 : value }
            let mismatches = zip(exported, expected).filter { exported, expected in
                bits(exported) != [expected.x, expected.y, expected.width, expected.height, expected.score].map { stored($0).bitPattern }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) records differ, first \(String(describing: mismatches.first))")
            let negativeZero = try #require(exported.first { $0.trackID == records[2].trackID && $0.timeMicroseconds == records[2].timeMicroseconds })
            #expect(negativeZero.x == 0 && negativeZero.x.sign == (kind == .postgresql ? .minus : .plus))

            let from = expected[10].timeMicroseconds, to = expected[30].timeMicroseconds
            let window = try await store.records(camera: "cam", from: from, to: to, limit: 1000)
            #expect(window == Array(expected[8..<28]), "[from, to): whole frames of 4 tracks")
        }
    }

    @Test("retention deletes exactly the records older than the cutoff, of every camera, in small batches", arguments: kinds)
    func retention(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = TrackStore(database: database)
            let records = (0..<300).flatMap { i in
                ["a", "b"].map { Self.record($0, track: Int64(i % 4), time: Int64(i) * 1_000_000) }
            }
            try await store.write(records)
            let cutoff: Int64 = 123_000_000
            #expect(try await store.deleteOlder(thanMicroseconds: cutoff, batchSize: 10) == 246)
            for camera in ["a", "b"] {
                let left = try await store.records(camera: camera, limit: 10_000)
                #expect(left.count == 177)
                #expect(left.first?.timeMicroseconds == cutoff)
            }
            #expect(try await store.deleteOlder(thanMicroseconds: cutoff) == 0)
        }
    }
}

/// A seeded generator: the same "random" values every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func double() -> Double { Double.random(in: 0..<1000, using: &self) }
}

import Foundation
import Testing
@testable import VideoTrackerStore

/// Cameras and their leases on both databases (a real SQLite file, a real PostgreSQL): one
/// replica per camera, renewals, take-overs after expiry, fair shares, and what changes do to them.
/// Times are given explicitly (milliseconds), so nothing depends on the clock or on speed.
@Suite("Camera store (SQLite and PostgreSQL)")
struct CameraStoreTests {
    static let kinds: [StoreDatabase.Kind] = [.sqlite, .postgresql]
    static let ttl: Int64 = 15_000

    static func camera(_ name: String, at time: Int64, url: String? = "rtsp://camera.example/stream") -> CameraRecord {
        CameraRecord(name: name, url: url, classes: ["person", "car"], fps: 12.5, everyFrames: 2, createdAt: time)
    }

    @Test("rows round-trip; updates change what they name; delete purges the records only when asked", arguments: kinds)
    func crud(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = CameraStore(database: database), tracks = TrackStore(database: database)
            let door = Self.camera("door", at: 1), imported = Self.camera("imported", at: 2, url: nil)
            try await store.insert(imported)
            try await store.insert(door)
            #expect(try await store.camera(id: door.id) == door, "every column round-trips")
            #expect(try await store.list().map(\.id) == [door.id, imported.id], "oldest first")
            #expect(try await store.camera(id: "nosuchcamera0000") == nil)

            let renamed = try #require(try await store.update(id: door.id, CameraChanges(name: "front door"), now: 50))
            #expect(renamed.name == "front door" && renamed.updatedAt == 50 && renamed.classes == door.classes)
            let changed = try #require(try await store.update(id: door.id, CameraChanges(url: .some(nil), classes: ["dog"], fps: .some(nil)), now: 60))
            #expect(changed.url == nil && changed.classes == ["dog"] && changed.fps == nil && changed.everyFrames == 2)
            #expect(try await store.update(id: "nosuchcamera0000", CameraChanges(name: "x")) == nil)

            #expect(try await store.setStatus(id: door.id, .failed, reason: "not a video"))
            let failed = try #require(try await store.camera(id: door.id))
            #expect(failed.status == .failed && failed.statusReason == "not a video")

            let records = (0..<3).map { TrackRecord(cameraID: door.id, trackID: $0, timeMicroseconds: 10, frame: 0, classID: 0,
                                                    x: 1, y: 2, width: 3, height: 4, score: 0.5) }
            try await tracks.write(records)
            try await tracks.write(records.map { var r = $0; r.cameraID = imported.id; return r })
            #expect(try await store.delete(id: door.id, purgeRecords: true))
            #expect(try await tracks.count(camera: door.id) == 0)
            #expect(try await store.delete(id: imported.id, purgeRecords: false))
            #expect(try await tracks.count(camera: imported.id) == 3, "kept: deleted without purging")
            #expect(try await !store.delete(id: door.id, purgeRecords: true), "a second delete finds nothing")
            #expect(try await store.list().isEmpty)
        }
    }

    @Test("two replicas: one gets the camera; renewing keeps it; once its lease expires, the other takes over", arguments: kinds)
    func leases(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = CameraStore(database: database)
            let camera = Self.camera("door", at: 1)
            try await store.insert(camera)
            let t0: Int64 = 1_000_000

            // Both claim at the same moment: exactly one gets it.
            async let first = store.claim(owner: "replica-a", ttlMilliseconds: Self.ttl, now: t0)
            async let second = store.claim(owner: "replica-b", ttlMilliseconds: Self.ttl, now: t0)
            let (a, b) = try await (first, second)
            #expect(a.count + b.count == 1)
            let (holder, other) = a.isEmpty ? ("replica-b", "replica-a") : ("replica-a", "replica-b")
            let held = try #require(try await store.camera(id: camera.id))
            #expect(held.leaseOwner == holder && held.leaseExpiresAt == t0 + Self.ttl)

            // The holder renews before expiry; the other finds nothing to take.
            #expect(try await store.renew(owner: holder, ids: [camera.id], ttlMilliseconds: Self.ttl, now: t0 + 10_000) == [camera.id])
            #expect(try await store.renew(owner: other, ids: [camera.id], ttlMilliseconds: Self.ttl, now: t0 + 10_000) == [])
            #expect(try await store.claim(owner: other, ttlMilliseconds: Self.ttl, now: t0 + 20_000).isEmpty, "renewed until t0+25 s")
            #expect(try await !store.setStatus(id: camera.id, .live, reason: nil, owner: other), "only the holder reports status")
            #expect(try await store.setStatus(id: camera.id, .live, reason: nil, owner: holder))

            // The holder stops renewing (a crash): past the expiry, the other takes it over.
            let later = t0 + 10_000 + Self.ttl + 1
            let takenOver = try await store.claim(owner: other, ttlMilliseconds: Self.ttl, now: later)
            #expect(takenOver.map(\.id) == [camera.id])
            #expect(takenOver.first?.leaseOwner == other)
            #expect(try await store.renew(owner: holder, ids: [camera.id], ttlMilliseconds: Self.ttl, now: later + 1) == [],
                    "the old holder learns it lost the camera")

            // Release hands it back at once.
            #expect(try await !store.release(owner: holder, id: camera.id))
            #expect(try await store.release(owner: other, id: camera.id))
            #expect(try await store.claim(owner: holder, ttlMilliseconds: Self.ttl, now: later + 2).map(\.id) == [camera.id])
        }
    }

    @Test("two live replicas and 4 claimable cameras: 2 each; paused, import-only and ended cameras go to nobody", arguments: kinds)
    func fairShare(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = CameraStore(database: database)
            let cameras = (0..<4).map { Self.camera("cam\($0)", at: Int64($0)) }
            for camera in cameras { try await store.insert(camera) }
            var paused = Self.camera("paused", at: 10)
            paused.paused = true
            paused.status = .paused
            try await store.insert(paused)
            try await store.insert(Self.camera("imports", at: 11, url: nil))
            let ended = Self.camera("ended file", at: 12)
            try await store.insert(ended)
            try await store.setStatus(id: ended.id, .ended, reason: "end of file")

            let t0: Int64 = 5_000_000
            try await store.heartbeat(replica: "replica-b", now: t0)
            let a = try await store.claim(owner: "replica-a", ttlMilliseconds: Self.ttl, now: t0 + 1)
            let b = try await store.claim(owner: "replica-b", ttlMilliseconds: Self.ttl, now: t0 + 2)
            #expect(a.count == 2 && b.count == 2)
            #expect(Set(a.map(\.id) + b.map(\.id)) == Set(cameras.map(\.id)))
            #expect(try await store.claim(owner: "replica-a", ttlMilliseconds: Self.ttl, now: t0 + 3).isEmpty, "at its share")

            // a renews its two; b dies: after the ttl a is the only live replica, its share is all 4.
            #expect(try await store.renew(owner: "replica-a", ids: a.map(\.id), ttlMilliseconds: Self.ttl, now: t0 + 10_000).count == 2)
            let later = t0 + Self.ttl + 10
            let rest = try await store.claim(owner: "replica-a", ttlMilliseconds: Self.ttl, now: later)
            #expect(Set(rest.map(\.id)) == Set(b.map(\.id)))

            // Changing an ended camera makes it claimable again.
            try await store.update(id: ended.id, CameraChanges(fps: .some(5)), now: later)
            #expect(try await store.camera(id: ended.id)?.status == .idle)
            #expect(try await store.claim(owner: "replica-a", ttlMilliseconds: Self.ttl, now: later + 1).map(\.id) == [ended.id])
        }
    }

    @Test("pausing or changing a camera drops its lease: the holder's renewal loses it; resuming makes it claimable", arguments: kinds)
    func changesDropTheLease(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = CameraStore(database: database)
            let camera = Self.camera("door", at: 1)
            try await store.insert(camera)
            let t0: Int64 = 9_000_000
            #expect(try await store.claim(owner: "a", ttlMilliseconds: Self.ttl, now: t0).count == 1)

            try await store.update(id: camera.id, CameraChanges(name: "renamed"), now: t0 + 1)
            #expect(try await store.renew(owner: "a", ids: [camera.id], ttlMilliseconds: Self.ttl, now: t0 + 2) == [camera.id],
                    "a new name does not touch the processing")

            let paused = try #require(try await store.update(id: camera.id, CameraChanges(paused: true), now: t0 + 3))
            #expect(paused.status == .paused && paused.leaseOwner == nil)
            #expect(try await store.renew(owner: "a", ids: [camera.id], ttlMilliseconds: Self.ttl, now: t0 + 4) == [])
            #expect(try await store.claim(owner: "a", ttlMilliseconds: Self.ttl, now: t0 + 5).isEmpty)

            let resumed = try #require(try await store.update(id: camera.id, CameraChanges(paused: false), now: t0 + 6))
            #expect(resumed.status == .idle && !resumed.paused)
            #expect(try await store.claim(owner: "a", ttlMilliseconds: Self.ttl, now: t0 + 7).map(\.id) == [camera.id])

            try await store.update(id: camera.id, CameraChanges(url: .some("rtsp://camera.example/other")), now: t0 + 8)
            #expect(try await store.renew(owner: "a", ids: [camera.id], ttlMilliseconds: Self.ttl, now: t0 + 9) == [],
                    "a new url: the holder stops, and the next claim starts it afresh")
            #expect(try await store.claim(owner: "a", ttlMilliseconds: Self.ttl, now: t0 + 10).first?.url == "rtsp://camera.example/other")
        }
    }
}

/// The job queue's claim on both databases, with concurrent claimers (the queue's workers, or
/// replicas sharing a PostgreSQL): every job is taken exactly once.
@Suite("Job claims (SQLite and PostgreSQL)")
struct JobClaimTests {
    @Test("four claimers at once take 40 jobs, each exactly once, oldest first for each", arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func exclusiveClaims(kind: StoreDatabase.Kind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { Task { await test.remove() } }
        // Separate connections (pools) for each claimer, as separate replicas would have.
        var databases: [StoreDatabase] = []
        for _ in 0..<2 { databases.append(try await test.open()) }
        let jobs = (0..<40).map { i in
            JobRecord(id: JobRecord.makeID(), sourceURL: nil, videoName: "v\(i).mp4", uploadBytes: 10,
                      options: JobOptions(scoreThreshold: 0.4, classes: nil, every: 1, inputSize: 416), createdAt: Int64(i))
        }
        for job in jobs { try await JobStore(database: databases[0]).insert(job) }
        #expect(try await JobStore(database: databases[1]).job(id: jobs[7].id) == jobs[7], "every column round-trips")

        let claimed = try await withThrowingTaskGroup(of: [JobRecord].self) { group in
            for claimer in 0..<4 {
                let store = JobStore(database: databases[claimer % 2])
                group.addTask {
                    var mine: [JobRecord] = []
                    while let job = try await store.claimNext() { mine.append(job) }
                    return mine
                }
            }
            var all: [[JobRecord]] = []
            for try await mine in group { all.append(mine) }
            return all
        }
        let ids = claimed.flatMap { $0.map(\.id) }
        #expect(ids.count == 40)
        #expect(Set(ids) == Set(jobs.map(\.id)), "each job once")
        for mine in claimed {
            #expect(mine.map(\.createdAt) == mine.map(\.createdAt).sorted(), "each claimer gets older jobs first")
            #expect(mine.allSatisfy { $0.status == .running && $0.attempts == 1 })
        }
        for database in databases { try await database.shutdown() }
    }
}

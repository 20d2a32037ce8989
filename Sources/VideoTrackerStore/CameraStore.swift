import SQLKit

/// The cameras table: the API's reads and changes, the status the processing reports, and the
/// leases that give each live camera to exactly one replica.
///
/// A replica's round, every few seconds (ttl: how long a lease lasts without renewal, e.g. 15 s):
/// `renew` the cameras it runs (stop the ones it no longer holds), then `claim` (start the ones it
/// gets). A change to a camera's processing (`update`: url, classes, fps, every, paused) drops its
/// lease, so its holder stops at its next renewal and the next claim starts it afresh.
public struct CameraStore: Sendable {
    let database: StoreDatabase
    var sql: any SQLDatabase { database.sql }

    public init(database: StoreDatabase) { self.database = database }

    /// A camera nobody processes: one with no url, paused, or that ended or failed (until a change).
    static let claimable: SQLQueryString = "url IS NOT NULL AND NOT paused AND status NOT IN ('ended', 'failed')"
    /// Serialises claims across replicas on PostgreSQL, so that shares are computed on settled counts.
    static let postgresClaimLockKey: Int64 = 0x7669_6465_6f63_616d  // "videocam"

    public func insert(_ camera: CameraRecord) async throws {
        try await sql.raw("""
            INSERT INTO cameras (id, name, url, classes, fps, every_frames, paused, status, status_reason,
                                 lease_owner, lease_expires_at, created_at, updated_at)
            VALUES (\(bind: camera.id), \(bind: camera.name), \(bind: camera.url), \(bind: camera.classes.joined(separator: ",")),
                    \(bind: camera.fps), \(bind: camera.everyFrames), \(bind: camera.paused), \(bind: camera.status.rawValue),
                    \(bind: camera.statusReason), \(bind: camera.leaseOwner), \(bind: camera.leaseExpiresAt),
                    \(bind: camera.createdAt), \(bind: camera.updatedAt))
            """).run()
    }

    public func camera(id: String) async throws -> CameraRecord? {
        try await sql.raw("SELECT * FROM cameras WHERE id = \(bind: id)").first().map(Self.record)
    }

    /// Oldest first.
    public func list() async throws -> [CameraRecord] {
        try await sql.raw("SELECT * FROM cameras ORDER BY created_at, id").all().map(Self.record)
    }

    /// Applies `changes`; nil when there is no such camera. Pausing sets the status paused,
    /// resuming or changing the processing sets it idle (claimable again, even after it ended or
    /// failed), and either drops the lease.
    @discardableResult
    public func update(id: String, _ changes: CameraChanges, now: Int64 = JobClock.now()) async throws -> CameraRecord? {
        var sets: [SQLQueryString] = ["updated_at = \(bind: now)"]
        if let name = changes.name { sets.append("name = \(bind: name)") }
        if let url = changes.url { sets.append("url = \(bind: url)") }
        if let classes = changes.classes { sets.append("classes = \(bind: classes.joined(separator: ","))") }
        if let fps = changes.fps { sets.append("fps = \(bind: fps)") }
        if let every = changes.everyFrames { sets.append("every_frames = \(bind: every)") }
        if let paused = changes.paused {
            sets.append("paused = \(bind: paused)")
            sets.append("status = \(bind: paused ? CameraRecord.Status.paused.rawValue : CameraRecord.Status.idle.rawValue)")
        } else if changes.changesProcessing {
            sets.append("status = CASE WHEN paused THEN 'paused' ELSE 'idle' END")
        }
        if changes.changesProcessing {
            sets.append("status_reason = NULL, lease_owner = NULL, lease_expires_at = NULL")
        }
        return try await sql.raw("""
            UPDATE cameras SET \(sets.joined(separator: ", ")) WHERE id = \(bind: id) RETURNING *
            """).first().map(Self.record)
    }

    /// Deletes the camera and, with `purgeRecords`, its track records, in one transaction.
    /// Returns whether there was such a camera.
    @discardableResult
    public func delete(id: String, purgeRecords: Bool) async throws -> Bool {
        try await database.transaction { transaction in
            if purgeRecords {
                try await transaction.raw("DELETE FROM track_records WHERE camera_id = \(bind: id)").run()
            }
            try await transaction.raw("DELETE FROM camera_zones WHERE camera_id = \(bind: id)").run()
            return try await transaction.raw("DELETE FROM cameras WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    /// What the processing reports. With `owner`, only while that replica holds the lease (a
    /// replica that lost it does not overwrite its successor's status). Returns whether it was set.
    @discardableResult
    public func setStatus(id: String, _ status: CameraRecord.Status, reason: String?, owner: String? = nil,
                          now: Int64 = JobClock.now()) async throws -> Bool {
        let onlyOwner: SQLQueryString = owner.map { "AND lease_owner = \(bind: $0)" } ?? ""
        return try await sql.raw("""
            UPDATE cameras SET status = \(bind: status.rawValue), status_reason = \(bind: reason), updated_at = \(bind: now)
            WHERE id = \(bind: id) \(onlyOwner) RETURNING id
            """).first() != nil
    }

    // MARK: Replicas and leases

    /// Records that `replica` is alive (claim and renew do it too).
    public func heartbeat(replica: String, now: Int64 = JobClock.now()) async throws {
        try await Self.heartbeat(sql, replica: replica, now: now)
    }

    /// A replica stopping: it no longer counts in the shares (its leases: `release` each).
    public func forgetReplica(_ replica: String) async throws {
        try await sql.raw("DELETE FROM replicas WHERE id = \(bind: replica)").run()
    }

    /// Takes cameras for `owner` up to its fair share: ceil(claimable cameras / live replicas),
    /// live = a heartbeat within `ttlMilliseconds`. Takes the ones nobody holds or whose lease
    /// expired, oldest first, and returns them: the cameras to start. (One this replica already
    /// runs came back because its settings changed or its lease lapsed: restart it.)
    public func claim(owner: String, ttlMilliseconds: Int64, now: Int64 = JobClock.now()) async throws -> [CameraRecord] {
        let kind = database.kind
        return try await database.transaction { transaction in
            if kind == .postgresql {
                try await transaction.raw("SELECT pg_advisory_xact_lock(\(bind: Self.postgresClaimLockKey))").run()
            }
            try await Self.heartbeat(transaction, replica: owner, now: now)
            let live = try await transaction.raw("""
                SELECT COUNT(*) AS n FROM replicas WHERE heartbeat_at >= \(bind: now - ttlMilliseconds)
                """).first(decodingColumn: "n", as: Int.self) ?? 1
            let total = try await transaction.raw("SELECT COUNT(*) AS n FROM cameras WHERE \(Self.claimable)")
                .first(decodingColumn: "n", as: Int.self) ?? 0
            let held = try await transaction.raw("""
                SELECT COUNT(*) AS n FROM cameras
                WHERE \(Self.claimable) AND lease_owner = \(bind: owner) AND lease_expires_at >= \(bind: now)
                """).first(decodingColumn: "n", as: Int.self) ?? 0
            let replicas = max(live, 1)
            let share = (total + replicas - 1) / replicas
            guard share > held else { return [] }
            let skipLocked: SQLQueryString = kind == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
            let candidates = try await transaction.raw("""
                SELECT id FROM cameras
                WHERE \(Self.claimable) AND (lease_owner IS NULL OR lease_expires_at < \(bind: now))
                ORDER BY created_at, id LIMIT \(bind: share - held)\(skipLocked)
                """).all(decodingColumn: "id", as: String.self)
            guard !candidates.isEmpty else { return [] }
            // The conditional UPDATE is the claim itself: a row another claimer took in between
            // no longer matches.
            return try await transaction.raw("""
                UPDATE cameras SET lease_owner = \(bind: owner), lease_expires_at = \(bind: now + ttlMilliseconds)
                WHERE id IN (\(binds: candidates)) AND url IS NOT NULL AND NOT paused
                  AND (lease_owner IS NULL OR lease_owner = \(bind: owner) OR lease_expires_at < \(bind: now))
                RETURNING *
                """).all().map(Self.record).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    /// Extends `owner`'s leases on `ids`; returns the ids it still holds (sorted). A camera
    /// missing from the answer was taken over, paused, changed or deleted: stop processing it.
    public func renew(owner: String, ids: [String], ttlMilliseconds: Int64, now: Int64 = JobClock.now()) async throws -> [String] {
        try await Self.heartbeat(sql, replica: owner, now: now)
        guard !ids.isEmpty else { return [] }
        return try await sql.raw("""
            UPDATE cameras SET lease_expires_at = \(bind: now + ttlMilliseconds)
            WHERE id IN (\(binds: ids)) AND lease_owner = \(bind: owner) AND NOT paused
            RETURNING id
            """).all(decodingColumn: "id", as: String.self).sorted()
    }

    /// Gives the camera up (the processing stopped); returns whether `owner` held it.
    @discardableResult
    public func release(owner: String, id: String) async throws -> Bool {
        try await sql.raw("""
            UPDATE cameras SET lease_owner = NULL, lease_expires_at = NULL
            WHERE id = \(bind: id) AND lease_owner = \(bind: owner) RETURNING id
            """).first() != nil
    }

    static func heartbeat(_ sql: any SQLDatabase, replica: String, now: Int64) async throws {
        try await sql.raw("""
            INSERT INTO replicas (id, heartbeat_at) VALUES (\(bind: replica), \(bind: now))
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
            """).run()
    }

    static func record(_ row: any SQLRow) throws -> CameraRecord {
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = CameraRecord.Status(rawValue: statusText) else {
            throw StoreError("camera row with an unknown status \(statusText)")
        }
        let classes = try row.decode(column: "classes", as: String.self)
        var camera = CameraRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            url: try row.decode(column: "url", as: String?.self),
            classes: classes.split(separator: ",").map(String.init),
            fps: try row.decode(column: "fps", as: Double?.self),
            everyFrames: try row.decode(column: "every_frames", as: Int.self),
            paused: try row.decode(column: "paused", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
        camera.status = status
        camera.statusReason = try row.decode(column: "status_reason", as: String?.self)
        camera.leaseOwner = try row.decode(column: "lease_owner", as: String?.self)
        camera.leaseExpiresAt = try row.decode(column: "lease_expires_at", as: Int64?.self)
        camera.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        return camera
    }
}

import SQLKit

/// A camera's named zones (`camera_zones`), saved once and asked about by name.
public struct SavedZone: Sendable, Equatable {
    public var cameraID: String
    public var name: String
    public var zone: Zone
    /// Milliseconds since 1970.
    public var createdAt: Int64

    public init(cameraID: String, name: String, zone: Zone, createdAt: Int64 = JobClock.now()) {
        self.cameraID = cameraID
        self.name = name
        self.zone = zone
        self.createdAt = createdAt
    }
}

public struct ZoneStore: Sendable {
    let database: StoreDatabase
    var sql: any SQLDatabase { database.sql }

    public init(database: StoreDatabase) { self.database = database }

    /// Saves the zone, replacing one of the same name; returns whether it is new.
    @discardableResult
    public func save(_ zone: SavedZone) async throws -> Bool {
        let name = zone.name, camera = zone.cameraID
        return try await database.transaction { transaction in
            let existed = try await transaction.raw("""
                DELETE FROM camera_zones WHERE camera_id = \(bind: camera) AND name = \(bind: name) RETURNING name
                """).first() != nil
            try await transaction.raw("""
                INSERT INTO camera_zones (camera_id, name, points, created_at)
                VALUES (\(bind: camera), \(bind: name), \(bind: Self.text(zone.zone.points)), \(bind: zone.createdAt))
                """).run()
            return !existed
        }
    }

    /// The camera's zones by name.
    public func zones(camera: String) async throws -> [SavedZone] {
        try await sql.raw("SELECT * FROM camera_zones WHERE camera_id = \(bind: camera) ORDER BY name").all().map(Self.record)
    }

    public func zone(camera: String, name: String) async throws -> SavedZone? {
        try await sql.raw("SELECT * FROM camera_zones WHERE camera_id = \(bind: camera) AND name = \(bind: name)")
            .first().map(Self.record)
    }

    /// Returns whether there was such a zone.
    @discardableResult
    public func delete(camera: String, name: String) async throws -> Bool {
        try await sql.raw("DELETE FROM camera_zones WHERE camera_id = \(bind: camera) AND name = \(bind: name) RETURNING name")
            .first() != nil
    }

    /// Points as `x y;x y;...`, each number in Swift's shortest text that reads back the same Double.
    static func text(_ points: [ZonePoint]) -> String {
        points.map { "\($0.x) \($0.y)" }.joined(separator: ";")
    }

    static func points(_ text: String) throws -> [ZonePoint] {
        try text.split(separator: ";").map { pair in
            let numbers = pair.split(separator: " ").compactMap { Double($0) }
            guard numbers.count == 2 else { throw StoreError("camera_zones: unreadable point \(pair)") }
            return ZonePoint(x: numbers[0], y: numbers[1])
        }
    }

    static func record(_ row: any SQLRow) throws -> SavedZone {
        SavedZone(cameraID: try row.decode(column: "camera_id", as: String.self), name: try row.decode(column: "name", as: String.self),
                  zone: Zone(points: try points(try row.decode(column: "points", as: String.self))),
                  createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}

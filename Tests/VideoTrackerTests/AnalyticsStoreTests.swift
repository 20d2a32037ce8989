import Foundation
import Testing
@testable import VideoTrackerStore

/// Issue 15's analytics on both databases (a real SQLite file, a real PostgreSQL): PETS09-S2L1's
/// ground truth imported at 0.1 fps from 2026-11-21T08:00:00Z (795 frames, 10 s apart: three UTC
/// hours) answers exactly what `AnalyticsReference` computes the plain way over the same file.
@Suite("Analytics (SQLite and PostgreSQL)")
struct AnalyticsStoreTests {
    static let kinds: [StoreDatabase.Kind] = [.sqlite, .postgresql]
    static let start: Int64 = 1_795_248_000_000_000  // 2026-11-21T08:00:00Z
    static let fps = 0.1
    static let kolkata: Int64 = 19_800  // +05:30 all year

    static var text: String { get throws { try String(contentsOfFile: CameraServiceTests.gt, encoding: .utf8) } }

    /// A camera with PETS09's truth imported, and the reference over the same text.
    static func imported(_ database: StoreDatabase) async throws -> (String, AnalyticsReference) {
        let camera = CameraRecord(name: "PETS09", url: nil, classes: ["person"], fps: fps)
        try await CameraStore(database: database).insert(camera)
        let text = try Self.text
        let records = try MOTRows(cameraID: camera.id, startMicroseconds: start, fps: fps).records(text: text)
        try await TrackStore(database: database).write(records)
        return (camera.id, AnalyticsReference(motText: text, fps: fps, start: start))
    }

    /// The quartile rectangle and the pentagon of `AnalyticsReference` (PETS09 has positions below it).
    static func rectangle(_ reference: AnalyticsReference) -> (x1: Double, y1: Double, x2: Double, y2: Double) {
        reference.quartileRectangle
    }

    static func pentagon(_ reference: AnalyticsReference) -> [AnalyticsReference.Point] { reference.pentagon! }

    static func onBoundary(_ reference: AnalyticsReference, _ polygon: [AnalyticsReference.Point]) -> Int {
        reference.onBoundary(polygon)
    }

    static func check(_ answer: [TrackAnalytics.ZoneHour], _ expected: [AnalyticsReference.ZoneHour], _ what: String) {
        #expect(answer.map(\.hourStart) == expected.map(\.hourStart), "\(what): hours")
        #expect(answer.map(\.passed) == expected.map(\.passed), "\(what): passed")
        #expect(answer.map { TrackAnalytics.seconds(frames: $0.longestVisitFrames, fps: fps) } == expected.map(\.maxStaySeconds),
                "\(what): longest stays")
    }

    @Test("zones: a rectangle and a pentagon with positions exactly on their edges and a vertex, default gap, 0, 2, 20 and 40, in UTC and Asia/Kolkata hours: passed and longest stays as the plain computation",
          arguments: kinds)
    func zones(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { database in
            let (camera, reference) = try await Self.imported(database)
            let analytics = TrackAnalytics(database: database)
            let r = Self.rectangle(reference)
            let square = AnalyticsReference.rectangle(r.x1, r.y1, r.x2, r.y2), pentagon = Self.pentagon(reference)
            #expect(Self.onBoundary(reference, square) >= 3, "records on the rectangle's edges")
            #expect(Self.onBoundary(reference, pentagon) >= 3, "records on the pentagon's edges (its vertex among them)")
            let zones: [(String, Zone, [AnalyticsReference.Point])] = [
                ("rectangle", .rectangle(x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2), square),
                ("the rectangle as a polygon", Zone(points: square.map { ZonePoint(x: $0.x, y: $0.y) }), square),
                ("pentagon", Zone(points: pentagon.map { ZonePoint(x: $0.x, y: $0.y) }), pentagon),
            ]
            let scope = TrackAnalytics.Scope(camera: camera)
            let kolkata = ClockHours(timeZone: TimeZone(identifier: "Asia/Kolkata")!)
            #expect(TrackAnalytics.defaultGapFrames(fps: Self.fps) == 0, "at 0.1 fps one second holds no whole frame")
            for (name, zone, polygon) in zones {
                for gap in [0, 2, 20, 40] {
                    let expected = reference.zoneHours(polygon: polygon, gap: Int64(gap))
                    #expect(expected.count == 3 && expected.allSatisfy { $0.passed > 0 }, "\(name): three hours with visits")
                    Self.check(try await analytics.zoneHours(scope, zone: zone, gapFrames: gap), expected, "\(name), gap \(gap)")
                    let local = try await analytics.zoneHours(scope, zone: zone, gapFrames: gap, hours: kolkata)
                    Self.check(local, reference.zoneHours(polygon: polygon, gap: Int64(gap), offsetSeconds: Self.kolkata),
                               "\(name), gap \(gap), Asia/Kolkata")
                }
                // The default gap at 0.1 fps is 0: the same answer.
                Self.check(try await analytics.zoneHours(scope, zone: zone, gapFrames: TrackAnalytics.defaultGapFrames(fps: Self.fps)),
                           reference.zoneHours(polygon: polygon, gap: 0), "\(name), default gap")
            }
            // The gaps matter here: a larger one joins visits of people who left and came back (fewer, longer).
            let joined = reference.visits(polygon: square, gap: 40).count, split = reference.visits(polygon: square, gap: 0).count
            #expect(joined < split, "gap 40 joins some of the \(split) visits")
            // Hours of Asia/Kolkata start at :30 UTC: 08:00Z is 13:30 there, in the hour from 07:30Z.
            let local = try await analytics.zoneHours(scope, zone: zones[0].1, gapFrames: 0, hours: kolkata)
            #expect(local.first?.hourStart == Self.start - 1_800_000_000)
            #expect(kolkata.text(hourStart: Self.start - 1_800_000_000) == "2026-11-21T13:00:00+05:30")
            #expect(ClockHours.utc.text(hourStart: Self.start) == "2026-11-21T08:00:00Z")
        }
    }

    @Test("crowd per hour (max and mean tracks a frame), top stays, heatmap counts and trajectories as the plain computation; a window by time; a camera without records answers empty",
          arguments: kinds)
    func crowdStaysHeatmap(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { database in
            let (camera, reference) = try await Self.imported(database)
            let analytics = TrackAnalytics(database: database)
            let scope = TrackAnalytics.Scope(camera: camera)

            for (hours, offset) in [(ClockHours.utc, Int64(0)), (ClockHours(timeZone: TimeZone(identifier: "Asia/Kolkata")!), Self.kolkata)] {
                let crowd = try await analytics.crowdHours(scope, hours: hours)
                let expected = reference.crowdHours(offsetSeconds: offset)
                #expect(expected.count == 3)
                #expect(crowd.map(\.hourStart) == expected.map(\.hourStart))
                #expect(crowd.map(\.maxCount) == expected.map(\.maxCount))
                #expect(zip(crowd, expected).allSatisfy { abs($0.meanCount - $1.meanCount) < 1e-12 },
                        "\(crowd.map(\.meanCount)) against \(expected.map(\.meanCount))")
            }

            let expectedStays = reference.stays()
            for limit in [1, 10, 1000] {
                let top = try await analytics.topStays(scope, limit: limit)
                #expect(top.map(\.trackID) == expectedStays.prefix(limit).map(\.track), "limit \(limit)")
                #expect(top.map { TrackAnalytics.seconds(frames: $0.frames, fps: Self.fps) } == expectedStays.prefix(limit).map(\.seconds))
                #expect(top.map(\.firstTime) == expectedStays.prefix(limit).map(\.first))
                #expect(top.map(\.lastTime) == expectedStays.prefix(limit).map(\.last))
            }

            for cell in [1.0, 25, 64] {
                let cells = try await analytics.heatmap(scope, cell: cell)
                let expected = reference.heatmap(cell: cell)
                #expect(Dictionary(uniqueKeysWithValues: cells.map { (AnalyticsReference.Cell(column: $0.column, row: $0.row), $0.count) })
                        == expected, "cell \(cell)")
                #expect(cells.map(\.count).reduce(0, +) == reference.rows.count)
            }
            // Positions left of the picture fall in negative columns (floor, not truncation).
            #expect(reference.heatmap(cell: 25).keys.contains { $0.column < 0 } == (reference.rows.contains { $0.px < 0 }))

            // 08:30 to 09:30: frames 181 to 540.
            let (from, to) = (Self.start + 1_800_000_000, Self.start + 5_400_000_000)
            let window = TrackAnalytics.Scope(camera: camera, from: from, to: to)
            let windowed = try await analytics.heatmap(window, cell: 50)
            #expect(Dictionary(uniqueKeysWithValues: windowed.map { (AnalyticsReference.Cell(column: $0.column, row: $0.row), $0.count) })
                    == reference.heatmap(cell: 50, from: from, to: to))

            var points: [TrackAnalytics.TrajectoryPoint] = []
            for try await page in analytics.trajectories(window, pageSize: 97) { points += page }
            let inWindow = reference.rows.filter { (from..<to).contains(reference.time($0.frame)) }
                .sorted { ($0.track, $0.frame) < ($1.track, $1.frame) }
            #expect(points.count == inWindow.count)
            #expect(points.map(\.trackID) == inWindow.map(\.track))
            #expect(points.map(\.time) == inWindow.map { reference.time($0.frame) })
            #expect(points.map(\.x) == inWindow.map(\.px) && points.map(\.y) == inWindow.map(\.py))

            let empty = TrackAnalytics.Scope(camera: "nothinghere")
            #expect(try await analytics.zoneHours(empty, zone: .rectangle(x1: 0, y1: 0, x2: 1000, y2: 1000), gapFrames: 0).isEmpty)
            #expect(try await analytics.crowdHours(empty, hours: ClockHours(timeZone: TimeZone(identifier: "Europe/Paris")!)).isEmpty)
            #expect(try await analytics.topStays(empty, limit: 10).isEmpty)
            #expect(try await analytics.heatmap(empty, cell: 10).isEmpty)
        }
    }

    @Test("the default gap is floor(fps): at 7 fps a visit bridges 7 missing or outside frames, not 8", arguments: kinds)
    func defaultGap(kind: StoreDatabase.Kind) async throws {
        #expect(TrackAnalytics.defaultGapFrames(fps: 7) == 7)
        #expect(TrackAnalytics.defaultGapFrames(fps: 29.97) == 29)
        #expect(TrackAnalytics.defaultGapFrames(fps: 0.5) == 0)
        #expect(TrackAnalytics.defaultGapFrames(fps: 1) == 1)
        try await TestDatabase.with(kind) { database in
            // Track 1: inside at frames 0-2, outside 3-9 (7 frames), inside 10-11. Track 2: inside
            // 0-2, missing 3-10 (8 frames), inside 11. At 7 fps from 08:00:00Z.
            func record(_ track: Int64, _ frame: Int64, inside: Bool) -> TrackRecord {
                TrackRecord(cameraID: "seven", trackID: track, timeMicroseconds: Self.start + frame * 1_000_000 / 7, frame: frame,
                            classID: 0, x: inside ? 10 : 500, y: 10, width: 20, height: 40, score: 1)
            }
            let records = (0...11).map { record(1, $0, inside: $0 <= 2 || $0 >= 10) } + ([0, 1, 2, 11] as [Int64]).map { record(2, $0, inside: true) }
            try await TrackStore(database: database).write(records)
            let analytics = TrackAnalytics(database: database)
            let zone = Zone.rectangle(x1: 0, y1: 0, x2: 100, y2: 100)
            let hours = try await analytics.zoneHours(.init(camera: "seven"), zone: zone, gapFrames: TrackAnalytics.defaultGapFrames(fps: 7))
            // Track 1: one visit of frames 0-11 (12 frames); track 2: two visits (3 frames, 1 frame).
            #expect(hours == [TrackAnalytics.ZoneHour(hourStart: Self.start, passed: 2, longestVisitFrames: 12)])
            let strict = try await analytics.zoneHours(.init(camera: "seven"), zone: zone, gapFrames: 0)
            #expect(strict == [TrackAnalytics.ZoneHour(hourStart: Self.start, passed: 2, longestVisitFrames: 3)])
        }
    }

    @Test("hours across a change of offset: Australia/Lord_Howe leaves summer time (+11:00 to +10:30) at 2026-04-04T15:00Z; the local 01:00 comes twice, once at 14:00Z, once at 14:30Z", arguments: kinds)
    func hoursAcrossTransition(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { database in
            let transition: Int64 = 1_775_314_800_000_000  // 2026-04-04T15:00:00Z
            let minute: Int64 = 60_000_000
            // One track at 14:45Z (01:45 +11:00), two at 15:10Z (01:40 +10:30), three at 15:35Z (02:05 +10:30).
            var records: [TrackRecord] = []
            for (frame, (offset, tracks)) in [(-15 * minute, 1), (10 * minute, 2), (35 * minute, 3)].enumerated() {
                for track in 0..<tracks {
                    records.append(TrackRecord(cameraID: "howe", trackID: Int64(track), timeMicroseconds: transition + offset,
                                               frame: Int64(frame), classID: 0, x: 0, y: 0, width: 10, height: 10, score: 1))
                }
            }
            try await TrackStore(database: database).write(records)
            let howe = ClockHours(timeZone: TimeZone(identifier: "Australia/Lord_Howe")!)
            let crowd = try await TrackAnalytics(database: database).crowdHours(.init(camera: "howe"), hours: howe)
            #expect(crowd.map(\.hourStart) == [transition - 60 * minute, transition - 30 * minute, transition + 30 * minute])
            #expect(crowd.map(\.maxCount) == [1, 2, 3])
            #expect(crowd.map { howe.text(hourStart: $0.hourStart) }
                    == ["2026-04-05T01:00:00+11:00", "2026-04-05T01:00:00+10:30", "2026-04-05T02:00:00+10:30"])
        }
    }

    @Test("saved zones: saved, replaced by name, listed in name order, deleted; deleting the camera deletes them", arguments: kinds)
    func savedZones(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { database in
            let cameras = CameraStore(database: database), zones = ZoneStore(database: database)
            let camera = CameraRecord(name: "door", url: nil, classes: ["person"], fps: 7)
            try await cameras.insert(camera)
            let triangle = Zone(points: [ZonePoint(x: 0.1, y: 0.2), ZonePoint(x: 100.25, y: 1e-7), ZonePoint(x: 50, y: 80.5)])
            #expect(try await zones.save(SavedZone(cameraID: camera.id, name: "west", zone: triangle, createdAt: 1)))
            #expect(try await zones.save(SavedZone(cameraID: camera.id, name: "east", zone: triangle, createdAt: 2)))
            let square = Zone(points: [ZonePoint(x: 0, y: 0), ZonePoint(x: 10, y: 0), ZonePoint(x: 10, y: 10), ZonePoint(x: 0, y: 10)])
            #expect(try await zones.save(SavedZone(cameraID: camera.id, name: "west", zone: square, createdAt: 3)) == false)
            #expect(try await zones.zones(camera: camera.id).map(\.name) == ["east", "west"])
            #expect(try await zones.zone(camera: camera.id, name: "east")?.zone.points == triangle.points, "points round-trip exactly")
            #expect(try await zones.zone(camera: camera.id, name: "west")?.zone == square)
            #expect(try await zones.delete(camera: camera.id, name: "east"))
            #expect(try await zones.delete(camera: camera.id, name: "east") == false)
            try await cameras.delete(id: camera.id, purgeRecords: false)
            #expect(try await zones.zones(camera: camera.id).isEmpty)
        }
    }
}

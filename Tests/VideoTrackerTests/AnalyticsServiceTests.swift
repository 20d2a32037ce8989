import Foundation
import Testing
import VideoTracker
@testable import VideoTrackerService
@testable import VideoTrackerStore

/// The analytics routes through the real binary: PETS09's truth imported over HTTP (0.1 fps from
/// 2026-11-21T08:00:00Z), then every answer, as JSON and CSV, against `AnalyticsReference`; saved
/// zones; and the refusals, each a 400 naming its parameter.
@Suite("Analytics over HTTP", .serialized)
struct AnalyticsServiceTests {
    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    static func importPETS(_ service: ServiceProcess) async throws -> (String, AnalyticsReference) {
        let created = try await CameraServiceTests.postJSON(service.baseURL + "/cameras", ["name": "PETS09"])
        let id = try #require(created.json?["id"] as? String, "\(created.text)")
        let text = try AnalyticsStoreTests.text
        let imported = try await httpBytes(service.baseURL + "/cameras/\(id)/tracks?fps=0.1&start_time=2026-11-21T08:00:00Z",
                                           method: "POST", body: Data(text.utf8), contentType: "text/plain")
        #expect(imported.status == 200, "\(imported.text)")
        return (id, AnalyticsReference(motText: text, fps: 0.1, start: AnalyticsStoreTests.start))
    }

    static func hourText(_ start: Int64, offset: Int64 = 0) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: Int(offset))!
        return formatter.string(from: Date(timeIntervalSince1970: Double(start) / 1e6))
            .replacingOccurrences(of: "+00:00", with: "Z")
    }

    /// A heatmap answer's cells of 40 px (their corners checked) and counts.
    static func cells(_ answer: HTTPBytes) -> [AnalyticsReference.Cell: Int] {
        var counts: [AnalyticsReference.Cell: Int] = [:]
        for cell in answer.json?["cells"] as? [[String: Any]] ?? [] {
            let column = cell["column"] as? Int ?? 0, row = cell["row"] as? Int ?? 0
            #expect(cell["x"] as? Int == column * 40 && cell["y"] as? Int == row * 40)
            counts[.init(column: Int64(column), row: Int64(row))] = cell["count"] as? Int ?? -1
        }
        return counts
    }

    static func checkZone(_ answer: HTTPBytes, _ expected: [AnalyticsReference.ZoneHour], offset: Int64 = 0, _ what: String) {
        #expect(answer.status == 200, "\(what): \(answer.text)")
        let hours = answer.json?["hours"] as? [[String: Any]] ?? []
        #expect(hours.map { $0["hour"] as? String ?? "" } == expected.map { hourText($0.hourStart, offset: offset) }, "\(what): \(answer.text)")
        #expect(hours.map { $0["passed"] as? Int ?? -1 } == expected.map(\.passed), "\(what)")
        #expect(hours.map { number($0["max_stay_seconds"]) ?? -1 } == expected.map(\.maxStaySeconds), "\(what)")
    }

    @Test("PETS09 imported over HTTP: zone (rectangle, saved pentagon, gaps, tz), crowd, top stays, heatmap and trajectories as JSON and CSV match the plain computation; saved zones listed and deleted",
          .timeLimit(.minutes(10)), arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func answers(kind: StoreDatabase.Kind) async throws {
        let folder = temporaryFolder("analytics-http")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await CameraServiceTests.databaseURL(kind)
        let service = try await CameraServiceTests.service(dataDirectory: folder, database: database)
        defer { service.stop() }
        let (id, reference) = try await Self.importPETS(service)
        let base = service.baseURL + "/cameras/\(id)"
        let r = AnalyticsStoreTests.rectangle(reference)
        let square = AnalyticsReference.rectangle(r.x1, r.y1, r.x2, r.y2)
        let rectangle = "x1=\(r.x1)&y1=\(r.y1)&x2=\(r.x2)&y2=\(r.y2)"

        let byDefault = try await httpBytes(base + "/zone?" + rectangle)
        Self.checkZone(byDefault, reference.zoneHours(polygon: square, gap: 0), "rectangle, default gap")
        #expect(byDefault.json?["gap"] as? Int == 0 && byDefault.json?["time_zone"] as? String == "UTC", "\(byDefault.text)")
        Self.checkZone(try await httpBytes(base + "/zone?gap=20&" + rectangle), reference.zoneHours(polygon: square, gap: 20), "gap 20")
        Self.checkZone(try await httpBytes(base + "/zone?gap=20&tz=Asia/Kolkata&" + rectangle),
                       reference.zoneHours(polygon: square, gap: 20, offsetSeconds: AnalyticsStoreTests.kolkata),
                       offset: AnalyticsStoreTests.kolkata, "gap 20 in Asia/Kolkata")

        let pentagon = AnalyticsStoreTests.pentagon(reference)
        let saved = try await CameraServiceTests.postJSON(base + "/zones", ["name": "pen", "points": pentagon.map { [$0.x, $0.y] }])
        #expect(saved.status == 201 && saved.headers["location"] == "/cameras/\(id)/zones/pen", "\(saved.text)")
        Self.checkZone(try await httpBytes(base + "/zone?zone=pen&gap=40"), reference.zoneHours(polygon: pentagon, gap: 40), "saved pentagon, gap 40")
        let replaced = try await CameraServiceTests.postJSON(base + "/zones", ["name": "pen", "points": square.map { [$0.x, $0.y] }])
        #expect(replaced.status == 200, "\(replaced.text)")
        Self.checkZone(try await httpBytes(base + "/zone?zone=pen"), reference.zoneHours(polygon: square, gap: 0), "replaced by the rectangle")
        _ = try await CameraServiceTests.postJSON(base + "/zones", ["name": "a-door.1", "points": [[0, 0], [10, 0], [0, 10]]])
        let listed = try await httpBytes(base + "/zones")
        #expect((listed.json?["zones"] as? [[String: Any]])?.map { $0["name"] as? String ?? "" } == ["a-door.1", "pen"], "\(listed.text)")
        let one = try await httpBytes(base + "/zones/a-door.1")
        #expect(one.json?["points"] as? [[Double]] == [[0, 0], [10, 0], [0, 10]], "\(one.text)")
        #expect(try await httpBytes(base + "/zones/a-door.1", method: "DELETE").status == 204)
        #expect(try await httpBytes(base + "/zones/a-door.1", method: "DELETE").status == 404)

        let zoneCSV = try await httpBytes(base + "/zone?format=csv&gap=20&" + rectangle)
        #expect(zoneCSV.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(zoneCSV.text == "hour,passed,max_stay_seconds\n" + reference.zoneHours(polygon: square, gap: 20).map {
            "\(Self.hourText($0.hourStart)),\($0.passed),\(MOTRows.text($0.maxStaySeconds))\n"
        }.joined(), "\(zoneCSV.text)")

        let crowd = try await httpBytes(base + "/crowd")
        let expectedCrowd = reference.crowdHours()
        let crowdHours = crowd.json?["hours"] as? [[String: Any]] ?? []
        #expect(crowdHours.map { $0["hour"] as? String ?? "" } == expectedCrowd.map { Self.hourText($0.hourStart) }, "\(crowd.text)")
        #expect(crowdHours.map { $0["max_count"] as? Int ?? -1 } == expectedCrowd.map(\.maxCount))
        #expect(zip(crowdHours, expectedCrowd).allSatisfy { abs((Self.number($0["mean_count"]) ?? -1) - $1.meanCount) < 1e-9 }, "\(crowd.text)")
        let crowdCSV = try await httpBytes(base + "/crowd?format=csv&tz=Asia/Kolkata")
        let localCrowd = reference.crowdHours(offsetSeconds: AnalyticsStoreTests.kolkata)
        #expect(crowdCSV.text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
                == localCrowd.map { "\(Self.hourText($0.hourStart, offset: AnalyticsStoreTests.kolkata)),\($0.maxCount)" }, "\(crowdCSV.text)")

        let stays = try await httpBytes(base + "/stays/top?limit=5")
        let tracks = stays.json?["tracks"] as? [[String: Any]] ?? []
        let expectedStays = reference.stays().prefix(5)
        #expect(tracks.map { ($0["track_id"] as? NSNumber)?.int64Value ?? -1 } == expectedStays.map(\.track), "\(stays.text)")
        #expect(tracks.map { Self.number($0["seconds"]) ?? -1 } == expectedStays.map(\.seconds))
        #expect(tracks.map { $0["first"] as? String ?? "" } == expectedStays.map { CSVTime.text($0.first) })
        #expect(tracks.map { $0["last"] as? String ?? "" } == expectedStays.map { CSVTime.text($0.last) })
        let staysCSV = try await httpBytes(base + "/stays/top?format=csv")
        #expect(staysCSV.text == "track_id,seconds,first,last\n" + reference.stays().prefix(10).map {
            "\($0.track),\(MOTRows.text($0.seconds)),\(CSVTime.text($0.first)),\(CSVTime.text($0.last))\n"
        }.joined(), "\(staysCSV.text)")

        let heatmap = try await httpBytes(base + "/heatmap.json?cell=40&from=2026-11-21T08:30:00Z")
        let cells = heatmap.json?["cells"] as? [[String: Any]] ?? []
        #expect(Self.cells(heatmap) == reference.heatmap(cell: 40, from: AnalyticsStoreTests.start + 1_800_000_000), "\(heatmap.text.prefix(300))")
        // Times are read to the microsecond: one after 08:30:00 leaves that frame out, one after 09:30:00 keeps it.
        let exactly = try await httpBytes(base + "/heatmap.json?cell=40&from=2026-11-21T08:30:00.000001Z&to=2026-11-21T09:30:00.000001Z")
        #expect(Self.cells(exactly) == reference.heatmap(cell: 40, from: AnalyticsStoreTests.start + 1_800_000_001,
                                                         to: AnalyticsStoreTests.start + 5_400_000_001), "\(exactly.text.prefix(300))")
        let heatmapCSV = try await httpBytes(base + "/heatmap.json?cell=40&format=csv&from=2026-11-21T08:30:00Z")
        #expect(heatmapCSV.text.split(separator: "\n").count == cells.count + 1)

        let trajectories = try await httpBytes(base + "/trajectories.json?from=2026-11-21T09:00:00Z&to=2026-11-21T09:10:00Z")
        let paths = trajectories.json?["tracks"] as? [[String: Any]] ?? []
        let inWindow = reference.rows.filter { (361...420).contains($0.frame) }  // 09:00:00 to 09:09:50
        #expect(paths.map { ($0["track_id"] as? NSNumber)?.int64Value ?? -1 } == Set(inWindow.map(\.track)).sorted(), "\(trajectories.text.prefix(300))")
        for path in paths {
            let track = (path["track_id"] as? NSNumber)?.int64Value ?? -1
            let points = path["points"] as? [[String: Any]] ?? []
            let expected = inWindow.filter { $0.track == track }.sorted { $0.frame < $1.frame }
            // Foundation's JSON reader rounds some numbers in their last digits: the CSV below is checked exactly.
            #expect(points.count == expected.count, "track \(track)")
            #expect(zip(points, expected).allSatisfy { abs((Self.number($0["x"]) ?? -1) - $1.px) < 1e-9
                && abs((Self.number($0["y"]) ?? -1) - $1.py) < 1e-9 }, "track \(track)")
            #expect(points.map { $0["time"] as? String ?? "" } == expected.map { CSVTime.text(reference.time($0.frame)) })
        }
        let trajectoriesCSV = try await httpBytes(base + "/trajectories.json?format=csv&from=2026-11-21T09:00:00Z&to=2026-11-21T09:10:00Z")
        let firstFrame = AnalyticsStoreTests.start / 10_000_000  // the camera's frame of MOT frame 1: 0.1 fps since 1970
        let expectedCSV = inWindow.sorted { ($0.track, $0.frame) < ($1.track, $1.frame) }.map {
            "\($0.track),\(firstFrame + $0.frame - 1),\(CSVTime.text(reference.time($0.frame))),\(MOTRows.text($0.px)),\(MOTRows.text($0.py))\n"
        }
        #expect(trajectoriesCSV.text == "track_id,frame,time,x,y\n" + expectedCSV.joined(), "\(trajectoriesCSV.text.prefix(300))")
        let everything = try await httpBytes(base + "/trajectories.json?format=csv")
        #expect(everything.text.split(separator: "\n").count == reference.rows.count + 1)

        // A camera without records: empty answers.
        let empty = try await CameraServiceTests.postJSON(service.baseURL + "/cameras", ["name": "empty"])
        let emptyBase = service.baseURL + "/cameras/\(try #require(empty.json?["id"] as? String))"
        for (path, key) in [("/zone?x1=0&y1=0&x2=10&y2=10", "hours"), ("/crowd", "hours"), ("/stays/top", "tracks"),
                            ("/heatmap.json", "cells"), ("/trajectories.json", "tracks")] {
            let answer = try await httpBytes(emptyBase + path)
            #expect(answer.status == 200 && (answer.json?[key] as? [Any])?.isEmpty == true, "\(path): \(answer.text)")
        }
        service.stop()
        await CameraServiceTests.dropDatabase(database)
    }


    @Test("bad analytics input: 400 naming the parameter (zone, rectangle corners, gap, tz, to before from, limit, cell, format, zone name and points; the pictures too), 404 for an unknown camera or zone, 405 with Allow")
    func badInput() async throws {
        let folder = temporaryFolder("analytics-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let service = try await CameraServiceTests.service(dataDirectory: folder)
        defer { service.stop() }
        let created = try await CameraServiceTests.postJSON(service.baseURL + "/cameras", ["name": "c"])
        let base = service.baseURL + "/cameras/\(try #require(created.json?["id"] as? String))"
        let cases: [(String, String)] = [
            ("/zone", "zone"),
            ("/zone?x1=0&y1=0&x2=10", "y2"),
            ("/zone?x1=0&y1=0&x2=ten&y2=10", "x2"),
            ("/zone?x1=10&y1=0&x2=5&y2=10", "x2"),
            ("/zone?x1=0&y1=10&x2=5&y2=5", "y2"),
            ("/zone?x1=0&y1=0&x2=5&y2=5&zone=door", "zone"),
            ("/zone?x1=0&y1=0&x2=5&y2=5&gap=-1", "gap"),
            ("/zone?x1=0&y1=0&x2=5&y2=5&tz=Mars/Olympus", "tz"),
            ("/zone?x1=0&y1=0&x2=5&y2=5&from=2026-11-21T09:00:00Z&to=2026-11-21T08:00:00Z", "to"),
            ("/crowd?tz=Nowhere", "tz"),
            ("/crowd?from=yesterday", "from"),
            ("/crowd?format=xml", "format"),
            ("/stays/top?limit=0", "limit"),
            ("/stays/top?limit=1001", "limit"),
            ("/stays/top?limit=ten", "limit"),
            ("/heatmap.json?cell=0", "cell"),
            ("/trajectories.json?from=2026-11-21T09:00:00Z&to=2026-11-21T08:00:00Z", "to"),
            ("/heatmap.png?cell=0", "cell"),
            ("/heatmap.png?cell=4097", "cell"),
            ("/heatmap.png?from=yesterday", "from"),
            ("/trajectories.png?from=2026-11-21T09:00:00Z&to=2026-11-21T08:00:00Z", "to"),
            ("/trajectories.png?to=later", "to"),
        ]
        for (path, field) in cases {
            let answer = try await httpBytes(base + path)
            #expect(answer.status == 400 && answer.errorField == field, "\(path): \(answer.status) \(answer.text)")
        }
        let twoPoints = try await CameraServiceTests.postJSON(base + "/zones", ["name": "door", "points": [[0, 0], [10, 10]]])
        #expect(twoPoints.status == 400 && twoPoints.errorField == "points" && twoPoints.text.contains("at least 3"), "\(twoPoints.text)")
        let notPairs = try await CameraServiceTests.postJSON(base + "/zones", ["name": "door", "points": [[0, 0], [10, 10], [5]]])
        #expect(notPairs.status == 400 && notPairs.errorField == "points", "\(notPairs.text)")
        let badName = try await CameraServiceTests.postJSON(base + "/zones", ["name": "a/b", "points": [[0, 0], [10, 0], [0, 10]]])
        #expect(badName.status == 400 && badName.errorField == "name", "\(badName.text)")
        let unknownZone = try await httpBytes(base + "/zone?zone=door")
        #expect(unknownZone.status == 404 && unknownZone.errorCode == "zone_not_found", "\(unknownZone.text)")
        for path in ["/zone?x1=0&y1=0&x2=5&y2=5", "/zones", "/crowd", "/stays/top", "/heatmap.json", "/trajectories.json",
                     "/heatmap.png", "/trajectories.png"] {
            let missing = try await httpBytes(service.baseURL + "/cameras/nope" + path)
            #expect(missing.status == 404 && missing.errorCode == "camera_not_found", "\(path): \(missing.text)")
        }
        let wrongMethod = try await httpBytes(base + "/crowd", method: "POST")
        #expect(wrongMethod.status == 405 && wrongMethod.headers["allow"] == "GET", "\(wrongMethod.text)")
    }
}

@Suite("Time parameters")
struct TimeParameterTests {
    @Test("from, to and start_time are read to the microsecond (a record's time as the API writes it reads back as itself), with Z or an offset, a fraction of 1 to 9 digits rounded to the microsecond; anything else is a 400 naming the field")
    func microseconds() throws {
        let eight: Int64 = 1_795_248_000_000_000  // 2026-11-21T08:00:00Z
        let cases: [(String, Int64)] = [
            ("2026-11-21T08:00:00Z", eight), ("2026-11-21T08:00:00.123456Z", eight + 123_456),
            ("2026-11-21T08:00:00.999999Z", eight + 999_999), ("2026-11-21T08:00:00.000001Z", eight + 1),
            ("2026-11-21T08:00:00.5Z", eight + 500_000), ("2026-11-21T08:00:00.0000005Z", eight + 1),
            ("2026-11-21T08:00:00.9999996Z", eight + 1_000_000), ("2026-11-21T13:30:00.000250+05:30", eight + 250),
            ("1969-12-31T23:59:59.5Z", -500_000),
        ]
        for (text, expected) in cases {
            #expect(try TimeParameter.microseconds(text, field: "from") == expected, "\(text)")
        }
        for text in ["yesterday", "2026-11-21T08:00:00.Z", "2026-11-21T08:00:00.1234567890Z", "2026-11-21T08:00:00.12a4Z", "2026-11-21"] {
            #expect(throws: TrackingError.self, "\(text)") { try TimeParameter.microseconds(text, field: "to") }
        }
        let error = try #require(throws: TrackingError.self) { try TimeParameter.microseconds("soon", field: "start_time") }
        #expect(error.field == "start_time")
    }
}

/// Record times as the API writes them (microseconds, Z), computed here on their own.
enum CSVTime {
    static func text(_ microseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        let seconds = microseconds / 1_000_000
        var text = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
        text.removeLast()
        return text + String(format: ".%06dZ", Int(microseconds % 1_000_000))
    }
}

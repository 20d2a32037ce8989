import Foundation
import Testing
import VideoTracker
@testable import VideoTrackerStore

/// Issue 15's analytics over a camera fed live: ffmpeg plays vtest.avi (PETS09-S2L1) as MPEG-TS on
/// loopback, the real service tracks it (YOLOX-Nano, ByteTrack) into SQLite or PostgreSQL, the
/// camera is paused, and every answer (zones with and without gap, crowd, top stays, heatmap, in
/// UTC and Asia/Kolkata hours) must be exactly what `AnalyticsReference` computes from the
/// exported records. A live record's frame is round(time_s * fps), worked out here from its time.
/// Nothing depends on the machine's speed: the camera runs until its records hold what the
/// answers need (tracks, visits, a visit joined across a gap), however long that takes.
@Suite("Analytics of a live camera", .serialized)
struct LiveAnalyticsTests {
    static let fps: Int64 = 5
    static let kolkata: Int64 = 19_800  // +05:30 all year

    // MARK: - The exported records

    /// `2026-11-21T22:03:33.123456Z` as µs since 1970.
    static func microseconds(_ text: Substring) -> Int64? {
        guard text.hasSuffix("Z"), let dot = text.firstIndex(of: ".") else { return nil }
        let fraction = text[text.index(after: dot)..<text.index(before: text.endIndex)]
        guard fraction.count == 6, let micro = Int64(fraction),
              let date = ISO8601DateFormatter().date(from: String(text[..<dot]) + "Z") else { return nil }
        return Int64(date.timeIntervalSince1970) * 1_000_000 + micro
    }

    /// round(time_s * fps) in whole numbers: the frames a time rounds to (two at an exact half).
    static func frames(at time: Int64) -> ClosedRange<Int64> {
        let scaled = time * fps, second: Int64 = 1_000_000
        let (whole, rest) = (scaled / second, scaled % second)
        if rest * 2 == second { return whole...(whole + 1) }
        return rest * 2 > second ? (whole + 1)...(whole + 1) : whole...whole
    }

    struct Export {
        var reference: AnalyticsReference
        /// Lines whose frame is not round(time_s * fps), or unreadable.
        var wrong: [String]
        /// (track, time) seen twice.
        var repeated: Int
    }

    /// The CSV export (`camera_id,track_id,time,frame,class_id,x,y,w,h,score`) as the reference's rows.
    static func parse(csv: String) -> Export {
        var rows: [AnalyticsReference.Row] = [], wrong: [String] = []
        var seen = Set<[Int64]>()
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 10, let track = Int64(fields[1]), let time = microseconds(fields[2]), let frame = Int64(fields[3]),
                  let x = Double(fields[5]), let y = Double(fields[6]), let w = Double(fields[7]), let h = Double(fields[8]),
                  frames(at: time).contains(frame) else {
                wrong.append(String(line))
                continue
            }
            seen.insert([track, time])
            rows.append(.init(frame: frame, track: track, time: time, x: x, y: y, w: w, h: h))
        }
        return Export(reference: AnalyticsReference(rows: rows, fps: Double(fps)), wrong: wrong, repeated: rows.count - seen.count)
    }

    // MARK: - Zones and what the data must hold

    struct Zones {
        var rectangle: (x1: Double, y1: Double, x2: Double, y2: Double)
        var square: [AnalyticsReference.Point]
        var pentagon: [AnalyticsReference.Point]
        var query: String { "x1=\(rectangle.x1)&y1=\(rectangle.y1)&x2=\(rectangle.x2)&y2=\(rectangle.y2)" }
    }

    static func zones(_ reference: AnalyticsReference) -> Zones? {
        guard reference.rows.count >= 20, let pentagon = reference.pentagon else { return nil }
        let r = reference.quartileRectangle
        guard r.x1 < r.x2, r.y1 < r.y2 else { return nil }
        return Zones(rectangle: r, square: AnalyticsReference.rectangle(r.x1, r.y1, r.x2, r.y2), pentagon: pentagon)
    }

    static let defaultGap = Int64(fps)  // floor(fps)

    /// What is still missing for the answers to mean something (nil: nothing): 30 s of frames at 5 fps,
    /// several tracks, several visits to the rectangle by more than one track, a visit the default
    /// gap joins, people together.
    static func missing(_ reference: AnalyticsReference, _ zones: Zones) -> String? {
        let tracks = Set(reference.rows.map(\.track)).count, frames = reference.frameTimes.count
        let split = reference.visits(polygon: zones.square, gap: 0), joined = reference.visits(polygon: zones.square, gap: defaultGap)
        let together = reference.crowdHours().map(\.maxCount).max() ?? 0
        let inPentagon = reference.visits(polygon: zones.pentagon, gap: 0).count
        if frames >= 150, tracks >= 4, split.count >= 3, Set(split.map(\.track)).count >= 2, joined.count < split.count, together >= 2, inPentagon >= 1 {
            return nil
        }
        return "\(frames) frames, \(tracks) tracks, \(split.count) visits to the rectangle at gap 0 (\(joined.count) at gap \(defaultGap)), "
            + "\(inPentagon) to the pentagon, at most \(together) together"
    }

    // MARK: - The answers against the reference

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    /// Foundation's JSON reader may round a number's last digits: the CSV of each answer is compared exactly.
    static func checkZone(_ base: String, _ query: String, _ expected: [AnalyticsReference.ZoneHour], offset: Int64 = 0,
                          gap: Int64, _ what: String) async throws {
        let answer = try await httpBytes(base + "/zone?" + query)
        #expect(answer.status == 200, "\(what): \(answer.text)")
        #expect(answer.json?["gap"] as? Int == Int(gap) && number(answer.json?["fps"]) == Double(fps), "\(what): \(answer.text)")
        let hours = answer.json?["hours"] as? [[String: Any]] ?? []
        #expect(hours.map { $0["hour"] as? String ?? "" } == expected.map { AnalyticsServiceTests.hourText($0.hourStart, offset: offset) },
                "\(what): \(answer.text)")
        #expect(hours.map { $0["passed"] as? Int ?? -1 } == expected.map(\.passed), "\(what): \(answer.text)")
        #expect(zip(hours, expected).allSatisfy { abs((number($0["max_stay_seconds"]) ?? -1) - $1.maxStaySeconds) < 1e-9 },
                "\(what): \(answer.text)")
        let csv = try await httpBytes(base + "/zone?format=csv&" + query)
        #expect(csv.text == "hour,passed,max_stay_seconds\n" + expected.map {
            "\(AnalyticsServiceTests.hourText($0.hourStart, offset: offset)),\($0.passed),\(MOTRows.text($0.maxStaySeconds))\n"
        }.joined(), "\(what) as CSV")
    }

    static func crowdCSV(_ expected: [AnalyticsReference.CrowdHour], offset: Int64) -> String {
        "hour,max_count,mean_count\n" + expected.map {
            "\(AnalyticsServiceTests.hourText($0.hourStart, offset: offset)),\($0.maxCount),\(MOTRows.text($0.meanCount))\n"
        }.joined()
    }

    static func staysCSV(_ expected: ArraySlice<AnalyticsReference.Stay>) -> String {
        "track_id,seconds,first,last\n" + expected.map {
            "\($0.track),\(MOTRows.text($0.seconds)),\(CSVTime.text($0.first)),\(CSVTime.text($0.last))\n"
        }.joined()
    }

    static func cells(_ answer: HTTPBytes, cell: Int) -> [AnalyticsReference.Cell: Int] {
        var counts: [AnalyticsReference.Cell: Int] = [:]
        for entry in answer.json?["cells"] as? [[String: Any]] ?? [] {
            let column = entry["column"] as? Int ?? 0, row = entry["row"] as? Int ?? 0
            #expect(entry["x"] as? Int == column * cell && entry["y"] as? Int == row * cell)
            counts[.init(column: Int64(column), row: Int64(row))] = entry["count"] as? Int ?? -1
        }
        return counts
    }

    // MARK: - Against the truth, loosely

    /// The share of records a person of PETS09's truth stands in (IoU 0.5). Where in vtest.avi a
    /// record is: its time after the first record's at the video's 10 fps, plus one offset (the
    /// stream's start, unknown here: the one that matches the first records best), looping every
    /// 795 frames; a frame either side is allowed (the loop's joins).
    static func truthShare(_ reference: AnalyticsReference) throws -> Double {
        let truth = try CameraSessionTests.petsPeople().mapValues { $0.map(\.box) }
        let frames = 795
        let rows = reference.rows.sorted { $0.time < $1.time }
        guard let first = rows.first?.time else { return 0 }
        func matched(_ rows: ArraySlice<AnalyticsReference.Row>, offset: Int) -> Int {
            rows.filter { row in
                let at = Int((Double(row.time - first) / 100_000).rounded()) + offset
                let box = Box(x: row.x, y: row.y, width: row.w, height: row.h)
                return (at - 1...at + 1).contains { frame in
                    (truth[(frame % frames + frames) % frames] ?? []).contains { $0.intersectionOverUnion(box) >= 0.5 }
                }
            }.count
        }
        let sample = rows.prefix(150)
        let best = (0..<frames).map { ($0, matched(sample, offset: $0)) }.max { $0.1 < $1.1 }!.0
        return Double(matched(rows[...], offset: best)) / Double(rows.count)
    }

    // MARK: - The test

    @Test("a camera fed live by the tracker (SQLite, PostgreSQL): its exported records' frames are round(time_s * fps); zone by rectangle (gap 0, default, 25, Asia/Kolkata) and saved pentagon, crowd (UTC, Asia/Kolkata), top stays and heatmap (all, and a window to the microsecond) are exactly the plain computation over those records",
          .timeLimit(.minutes(15)), arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func liveCamera(kind: StoreDatabase.Kind) async throws {
        let folder = temporaryFolder("analytics-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await CameraServiceTests.databaseURL(kind)
        let port = try freePort()
        let stream = try CameraSessionTests.LiveServer(port: port, from: 0, seconds: 900, loop: true)
        defer { stream.kill() }
        let service = try await CameraServiceTests.service(dataDirectory: folder, database: database)
        defer { service.stop() }
        let created = try await CameraServiceTests.postJSON(service.baseURL + "/cameras",
                                                            ["name": "live analytics", "url": "http://127.0.0.1:\(port)/live.ts", "fps": Self.fps])
        let id = try #require(created.json?["id"] as? String, "\(created.text)")
        let base = service.baseURL + "/cameras/\(id)"

        // Recording until the records hold what the answers need; the zones are drawn over the
        // records then (later records only add to their visits).
        var zones: Zones?
        var status = "nothing exported yet"
        let giveUp = ContinuousClock.now + .seconds(600)
        while zones == nil {
            guard ContinuousClock.now < giveUp else { throw TestFailure("camera \(id): not enough recorded in 600 s: \(status)") }
            try await Task.sleep(for: .seconds(5))
            let reference = Self.parse(csv: try await httpBytes(base + "/tracks?format=csv").text).reference
            guard let drawn = Self.zones(reference) else {
                status = "\(reference.rows.count) records"
                continue
            }
            if let missing = Self.missing(reference, drawn) { status = missing } else { zones = drawn }
        }
        let zone = try #require(zones)

        // Paused: the session stops; its last records are written within the writer's second. Final
        // when nothing waits and two exports a few seconds apart agree.
        let paused = try await CameraServiceTests.postJSON(base, ["paused": true], method: "PATCH")
        #expect(paused.status == 200, "\(paused.text)")
        try await CameraServiceTests.waitFor(service, id, "paused, its session stopped") {
            $0["status"] as? String == "paused" && $0["live"] == nil
        }
        var csv = ""
        for _ in 0..<30 {
            try await Task.sleep(for: .seconds(2))
            let camera = try await CameraServiceTests.camera(service, id)
            let text = try await httpBytes(base + "/tracks?format=csv").text
            if text == csv, (camera["records"] as? [String: Any])?["waiting"] as? Int == 0 { break }
            csv = text
        }
        let export = Self.parse(csv: csv)
        let reference = export.reference
        #expect(export.wrong.isEmpty, "records whose frame is not round(time_s * \(Self.fps)): \(export.wrong.prefix(5))")
        #expect(export.repeated == 0 && reference.framesWithSeveralTimes.isEmpty,
                "one record a track and time, one time a frame: \(export.repeated), \(reference.framesWithSeveralTimes.prefix(5))")
        #expect(Self.missing(reference, zone) == nil, "still enough after the pause: \(Self.missing(reference, zone) ?? "")")
        let tracks = Set(reference.rows.map(\.track))
        let visits = (reference.visits(polygon: zone.square, gap: 0).count, reference.visits(polygon: zone.square, gap: Self.defaultGap).count,
                      reference.visits(polygon: zone.square, gap: 25).count)
        print("live analytics on \(kind): \(reference.rows.count) records of \(tracks.count) tracks in \(Set(reference.rows.map(\.frame)).count) frames; "
              + "rectangle \(zone.rectangle): \(visits.0) visits at gap 0, \(visits.1) at gap \(Self.defaultGap), \(visits.2) at gap 25, "
              + "\(reference.onBoundary(zone.square)) positions on its edges; pentagon \(reference.visits(polygon: zone.pentagon, gap: 0).count) visits")

        // The other formats hold the same records.
        let json = try await CameraServiceTests.records(service, id)
        #expect(json.count == reference.rows.count)
        #expect(json.map { [($0["track_id"] as? NSNumber)?.int64Value ?? -1, ($0["frame"] as? NSNumber)?.int64Value ?? -1] }
                == reference.rows.map { [$0.track, $0.frame] })
        #expect(json.map { $0["time"] as? String ?? "" } == reference.rows.map { CSVTime.text($0.time) })
        let firstFrame = try #require(reference.rows.map(\.frame).min())
        let mot = try await httpBytes(base + "/tracks?format=mot").text
        let csvFields = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(mot.split(separator: "\n").map(String.init) == zip(reference.rows, csvFields).map { row, fields in
            "\(row.frame - firstFrame + 1),\(row.track),\(fields[5]),\(fields[6]),\(fields[7]),\(fields[8]),\(fields[9]),-1,-1,-1"
        }, "MOT rows: frame 1 is the first record's")

        // Zones: the rectangle with gap 0, the default (floor(5) = 5), a larger one, in Asia/Kolkata hours.
        try await Self.checkZone(base, "gap=0&" + zone.query, reference.zoneHours(polygon: zone.square, gap: 0), gap: 0, "rectangle, gap 0")
        try await Self.checkZone(base, zone.query, reference.zoneHours(polygon: zone.square, gap: Self.defaultGap), gap: Self.defaultGap,
                                 "rectangle, default gap")
        try await Self.checkZone(base, "gap=25&" + zone.query, reference.zoneHours(polygon: zone.square, gap: 25), gap: 25, "rectangle, gap 25")
        try await Self.checkZone(base, "tz=Asia/Kolkata&" + zone.query,
                                 reference.zoneHours(polygon: zone.square, gap: Self.defaultGap, offsetSeconds: Self.kolkata),
                                 offset: Self.kolkata, gap: Self.defaultGap, "rectangle, default gap, Asia/Kolkata")
        let saved = try await CameraServiceTests.postJSON(base + "/zones", ["name": "pentagon", "points": zone.pentagon.map { [$0.x, $0.y] }])
        #expect(saved.status == 201, "\(saved.text)")
        try await Self.checkZone(base, "zone=pentagon", reference.zoneHours(polygon: zone.pentagon, gap: Self.defaultGap), gap: Self.defaultGap,
                                 "saved pentagon, default gap")
        try await Self.checkZone(base, "zone=pentagon&gap=0&tz=Asia/Kolkata",
                                 reference.zoneHours(polygon: zone.pentagon, gap: 0, offsetSeconds: Self.kolkata),
                                 offset: Self.kolkata, gap: 0, "saved pentagon, gap 0, Asia/Kolkata")

        // Crowd per hour.
        let crowd = try await httpBytes(base + "/crowd")
        let expectedCrowd = reference.crowdHours()
        let crowdHours = crowd.json?["hours"] as? [[String: Any]] ?? []
        #expect(crowdHours.map { $0["hour"] as? String ?? "" } == expectedCrowd.map { AnalyticsServiceTests.hourText($0.hourStart) }, "\(crowd.text)")
        #expect(crowdHours.map { $0["max_count"] as? Int ?? -1 } == expectedCrowd.map(\.maxCount), "\(crowd.text)")
        #expect(zip(crowdHours, expectedCrowd).allSatisfy { abs((Self.number($0["mean_count"]) ?? -1) - $1.meanCount) < 1e-9 }, "\(crowd.text)")
        #expect(try await httpBytes(base + "/crowd?format=csv").text == Self.crowdCSV(expectedCrowd, offset: 0))
        #expect(try await httpBytes(base + "/crowd?format=csv&tz=Asia/Kolkata").text
                == Self.crowdCSV(reference.crowdHours(offsetSeconds: Self.kolkata), offset: Self.kolkata))

        // Top stays.
        let expectedStays = reference.stays()
        let stays = try await httpBytes(base + "/stays/top?limit=3")
        let top = stays.json?["tracks"] as? [[String: Any]] ?? []
        #expect(top.map { ($0["track_id"] as? NSNumber)?.int64Value ?? -1 } == expectedStays.prefix(3).map(\.track), "\(stays.text)")
        #expect(zip(top, expectedStays).allSatisfy { abs((Self.number($0["seconds"]) ?? -1) - $1.seconds) < 1e-9 }, "\(stays.text)")
        #expect(top.map { $0["first"] as? String ?? "" } == expectedStays.prefix(3).map { CSVTime.text($0.first) })
        #expect(top.map { $0["last"] as? String ?? "" } == expectedStays.prefix(3).map { CSVTime.text($0.last) })
        #expect(try await httpBytes(base + "/stays/top?format=csv&limit=1000").text == Self.staysCSV(expectedStays.prefix(1000)))

        // Heatmap: every position, then in 40 px cells those from just after the middle record's time
        // to just after the third quartile's (a window to the microsecond: the middle frame out, that one in).
        let heatmap = try await httpBytes(base + "/heatmap.json")
        #expect(Self.cells(heatmap, cell: 32) == reference.heatmap(cell: 32), "\(heatmap.text.prefix(300))")
        let times = reference.rows.map(\.time).sorted()
        let (from, to) = (times[times.count / 2] + 1, times[times.count * 3 / 4] + 1)
        let windowed = try await httpBytes(base + "/heatmap.json?cell=40&from=\(CSVTime.text(from))&to=\(CSVTime.text(to))")
        #expect(Self.cells(windowed, cell: 40) == reference.heatmap(cell: 40, from: from, to: to),
                "\(CSVTime.text(from)) to \(CSVTime.text(to)): \(windowed.text.prefix(300))")

        // The records themselves, loosely: people of PETS09 (the tracker's quality is tested elsewhere).
        let share = try Self.truthShare(reference)
        print("live analytics on \(kind): \(Int(share * 100))% of the records on a person of the truth")
        #expect(share >= 0.5, "\(share) of the records on a person of PETS09's truth")

        service.stop()
        await CameraServiceTests.dropDatabase(database)
    }
}

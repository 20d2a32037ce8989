import Foundation
import Testing
@testable import VideoTrackerStore
@testable import VideoTrackerService
#if canImport(Glibc)
import Glibc
#endif

/// The cameras through the real binary: live streams from ffmpeg on loopback read into the track
/// store (SQLite under the data folder, or the test PostgreSQL), the API, imports and exports,
/// and what survives a SIGKILL. Streams run in real time, so the suite runs one test at a time.
@Suite("Cameras: the service reads live streams into the track store", .serialized)
struct CameraServiceTests {
    static let gt = TestData.path("mot/PETS09-S2L1/gt/gt.txt")

    /// `serve` with the models, loopback streams allowed, short leases; `database` nil: SQLite.
    static func service(dataDirectory: URL, database: String? = nil, extra: [String] = []) async throws -> ServiceProcess {
        try await ServiceProcess(arguments: ["--models", TestData.models, "--allow-private-networks", "--data-dir", dataDirectory.path,
                                             "--camera-lease-seconds", "3"] + (database.map { ["--database-url", $0] } ?? []) + extra)
    }

    static func postJSON(_ url: String, _ body: [String: Any], method: String = "POST") async throws -> HTTPBytes {
        try await httpBytes(url, method: method, body: try JSONSerialization.data(withJSONObject: body), contentType: "application/json")
    }

    static func camera(_ service: ServiceProcess, _ id: String) async throws -> [String: Any] {
        try #require(try await httpBytes(service.baseURL + "/cameras/\(id)").json)
    }

    /// Polls the camera until `condition` holds (generous: a busy 2-core machine runs the detector slowly).
    @discardableResult
    static func waitFor(_ service: ServiceProcess, _ id: String, upTo seconds: Double = 180, _ what: String,
                        _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let giveUp = ContinuousClock.now + .seconds(seconds)
        var last: [String: Any] = [:]
        while ContinuousClock.now < giveUp {
            last = try await camera(service, id)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestFailure("camera \(id): \(what) did not happen in \(seconds) s; last \(last)")
    }

    struct Row: Hashable {
        var track: Int64
        var time: String
    }

    /// The camera's records as JSON objects.
    static func records(_ service: ServiceProcess, _ id: String, query: String = "") async throws -> [[String: Any]] {
        let answer = try await httpBytes(service.baseURL + "/cameras/\(id)/tracks?format=json" + query)
        #expect(answer.status == 200, "\(answer.text)")
        return try #require(answer.json?["records"] as? [[String: Any]])
    }

    static func rows(_ records: [[String: Any]]) -> Set<Row> {
        Set(records.map { Row(track: ($0["track_id"] as? NSNumber)?.int64Value ?? -1, time: $0["time"] as? String ?? "") })
    }

    static func written(_ camera: [String: Any]) -> Int { (camera["records"] as? [String: Any])?["written"] as? Int ?? 0 }

    // MARK: - Live

    @Test("a live camera on SQLite: 201, live, tracked people stored and exported alike as JSON, CSV and MOT; paused it stops, resumed its ids go on after the largest stored; deleted with purge its records go",
          .timeLimit(.minutes(10)))
    func liveCamera() async throws {
        let folder = temporaryFolder("camera-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try freePort()
        var stream: CameraSessionTests.LiveServer? = try CameraSessionTests.LiveServer(port: port, from: 0, seconds: 120, loop: true)
        defer { stream?.kill() }
        let service = try await Self.service(dataDirectory: folder)

        let created = try await Self.postJSON(service.baseURL + "/cameras",
                                              ["name": "gate", "url": "http://127.0.0.1:\(port)/live.ts", "fps": 5])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json?["id"] as? String)
        #expect(created.headers["location"] == "/cameras/\(id)")
        #expect(created.json?["classes"] as? [String] == ["person"] && created.json?["fps"] as? Double == 5)

        let live = try await Self.waitFor(service, id, "live with 200 records stored") {
            $0["status"] as? String == "live" && Self.written($0) >= 200
        }
        let counters = try #require(live["live"] as? [String: Any], "\(live)")
        #expect((counters["frames_processed"] as? Int ?? 0) > 0)
        #expect(live["replica"] as? String != nil)
        let metrics = try await httpBytes(service.baseURL + "/metrics").text
        for name in ["frames_processed", "fps", "lag_seconds", "reconnects", "records_written", "records_dropped", "records_waiting"] {
            #expect(metrics.contains("video_tracker_camera_\(name){camera=\"\(id)\"}"), "/metrics has \(name) for the camera")
        }
        let renamed = try await Self.postJSON(service.baseURL + "/cameras/\(id)", ["name": "north gate"], method: "PATCH")
        #expect(renamed.status == 200 && renamed.json?["name"] as? String == "north gate" && renamed.json?["status"] as? String == "live",
                "a rename leaves the camera running: \(renamed.text)")

        // The live view: asking starts the drawing, the next frames come annotated, as JPEG.
        var picture = try await httpBytes(service.baseURL + "/cameras/\(id)/live.jpg")
        let giveUp = ContinuousClock.now + .seconds(60)
        while picture.status == 404, picture.errorCode == "no_live_frame", ContinuousClock.now < giveUp {
            try await Task.sleep(for: .milliseconds(250))
            picture = try await httpBytes(service.baseURL + "/cameras/\(id)/live.jpg")
        }
        #expect(picture.status == 200 && picture.headers["content-type"] == "image/jpeg", "\(picture.status) \(picture.text.prefix(200))")
        #expect(picture.body.starts(with: [0xFF, 0xD8]))
        let probed = try await ffprobe(picture.body)
        #expect(probed.contains("codec_name=mjpeg") && probed.contains("width=768") && probed.contains("height=576"), "\(probed)")

        let records = try await Self.records(service, id)
        #expect(records.count >= 200)
        // Each record: a person's box inside the 768x576 picture, at a time and frame of the camera's 5 fps.
        var byFrame: [Int64: Int] = [:]
        for record in records {
            let x = record["x"] as? Double ?? -1, y = record["y"] as? Double ?? -1
            let w = record["w"] as? Double ?? -1, h = record["h"] as? Double ?? -1
            #expect(x > -50 && y > -50 && w > 5 && h > 10 && x + w < 820 && y + h < 630, "\(record)")
            #expect(record["class_id"] as? Int == 0)
            byFrame[(record["frame"] as? NSNumber)?.int64Value ?? 0, default: 0] += 1
        }
        // PETS09 S2L1 shows 3 to 8 people at once: most frames have several tracked.
        let crowded = byFrame.values.filter { $0 >= 2 }.count
        #expect(Double(crowded) >= 0.7 * Double(byFrame.count), "\(byFrame.count) frames, \(crowded) with 2 or more people")
        let times = records.compactMap { $0["time"] as? String }
        #expect(times == times.sorted(), "exported in time order")

        // The same rows in every format.
        let csv = try await httpBytes(service.baseURL + "/cameras/\(id)/tracks?format=csv")
        let csvLines = csv.text.split(separator: "\n")
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(csvLines.first == "camera_id,track_id,time,frame,class_id,x,y,w,h,score")
        let mot = try await httpBytes(service.baseURL + "/cameras/\(id)/tracks?format=mot")
        let motLines = mot.text.split(separator: "\n")
        #expect(csvLines.count - 1 >= records.count && motLines.count >= records.count)
        #expect(motLines.first?.hasPrefix("1,") == true, "frame 1 is the first record's: \(motLines.first ?? "")")

        // Paused: the status says so and the stored records stop growing.
        let paused = try await Self.postJSON(service.baseURL + "/cameras/\(id)", ["paused": true], method: "PATCH")
        #expect(paused.status == 200 && paused.json?["paused"] as? Bool == true, "\(paused.text)")
        try await Self.waitFor(service, id, "paused, its session stopped") { $0["status"] as? String == "paused" && $0["live"] == nil }
        try await Task.sleep(for: .seconds(2))  // the writer's last batch
        let atPause = try await Self.records(service, id)
        try await Task.sleep(for: .seconds(3))
        #expect(try await Self.records(service, id).count == atPause.count, "nothing is stored while paused")
        let largest = atPause.compactMap { ($0["track_id"] as? NSNumber)?.int64Value }.max() ?? 0
        let pausedAt = atPause.compactMap { $0["time"] as? String }.max() ?? ""

        // Resumed (the stream server takes one client: a new one for the new connection).
        stream?.kill()
        stream = try CameraSessionTests.LiveServer(port: port, from: 30, seconds: 90, loop: true)
        let resumed = try await Self.postJSON(service.baseURL + "/cameras/\(id)", ["paused": false], method: "PATCH")
        #expect(resumed.status == 200, "\(resumed.text)")
        let writtenAtPause = Self.written(try await Self.camera(service, id))
        try await Self.waitFor(service, id, "live again with 50 new records") {
            $0["status"] as? String == "live" && Self.written($0) >= writtenAtPause + 50
        }
        let after = try await Self.records(service, id).filter { ($0["time"] as? String ?? "") > pausedAt }
        #expect(!after.isEmpty)
        let reused = after.filter { ($0["track_id"] as? NSNumber)?.int64Value ?? 0 <= largest }
        #expect(reused.isEmpty, "tracks after the pause are numbered after \(largest): \(reused.prefix(3))")

        let deleted = try await httpBytes(service.baseURL + "/cameras/\(id)?purge=true", method: "DELETE")
        #expect(deleted.status == 204)
        #expect(try await httpBytes(service.baseURL + "/cameras/\(id)").status == 404)
        #expect(try await httpBytes(service.baseURL + "/cameras/\(id)/tracks").status == 404)
    }

    @Test("SIGKILL while two cameras stream (SQLite, then PostgreSQL): after the restart both are live again, every record stored before the kill is still there once, new ids come after the old",
          .timeLimit(.minutes(15)), arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func killedServiceResumes(kind: StoreDatabase.Kind) async throws {
        let folder = temporaryFolder("camera-kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await Self.databaseURL(kind)
        let ports = [try freePort(), try freePort()]
        var streams = try ports.map { try CameraSessionTests.LiveServer(port: $0, from: 0, seconds: 120, loop: true) }
        defer { streams.forEach { $0.kill() } }
        let first = try await Self.service(dataDirectory: folder, database: database)
        var ids: [String] = []
        for (index, port) in ports.enumerated() {
            let created = try await Self.postJSON(first.baseURL + "/cameras",
                                                  ["name": "camera \(index)", "url": "http://127.0.0.1:\(port)/live.ts", "fps": 4])
            ids.append(try #require(created.json?["id"] as? String, "\(created.text)"))
        }
        for id in ids {
            try await Self.waitFor(first, id, "live with records") { $0["status"] as? String == "live" && Self.written($0) >= 60 }
        }
        var before: [String: Set<Row>] = [:]
        for id in ids { before[id] = Self.rows(try await Self.records(first, id)) }

        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        streams.forEach { $0.kill() }
        streams = try ports.map { try CameraSessionTests.LiveServer(port: $0, from: 40, seconds: 80, loop: true) }

        let second = try await Self.service(dataDirectory: folder, database: database)
        for id in ids {
            let largest = before[id]!.map(\.track).max() ?? 0
            try await Self.waitFor(second, id, upTo: 240, "live again after the restart") {
                $0["status"] as? String == "live" && Self.written($0) >= 30
            }
            let records = try await Self.records(second, id)
            let rows = Self.rows(records)
            #expect(rows.count == records.count, "no record twice")
            #expect(before[id]!.isSubset(of: rows), "\(before[id]!.subtracting(rows).count) records of before the kill are gone")
            let newer = rows.subtracting(before[id]!)
            #expect(!newer.isEmpty)
            #expect(newer.contains { $0.track > largest }, "the restarted session numbers its tracks after \(largest)")
        }
        second.stop()
        await Self.dropDatabase(database)
    }

    // MARK: - Replicas and failures

    @Test("two replicas on one PostgreSQL share two cameras one each; the one killed, its camera moves to the other within the lease and goes on with new records",
          .timeLimit(.minutes(10)))
    func replicasShareCameras() async throws {
        let database = try await Self.databaseURL(.postgresql)
        let folders = [temporaryFolder("replica-a"), temporaryFolder("replica-b")]
        defer { folders.forEach { try? FileManager.default.removeItem(at: $0) } }
        let ports = [try freePort(), try freePort()]
        var streams = try ports.map { try CameraSessionTests.LiveServer(port: $0, from: 0, seconds: 150, loop: true) }
        defer { streams.forEach { $0.kill() } }
        let a = try await Self.service(dataDirectory: folders[0], database: database, extra: ["--replica-id", "replica-a"])
        let b = try await Self.service(dataDirectory: folders[1], database: database, extra: ["--replica-id", "replica-b"])
        try await Task.sleep(for: .seconds(2))  // both have heartbeats: the fair share is one camera each
        var ids: [String] = []
        for (index, port) in ports.enumerated() {
            let created = try await Self.postJSON(a.baseURL + "/cameras",
                                                  ["name": "camera \(index)", "url": "http://127.0.0.1:\(port)/live.ts", "fps": 4])
            ids.append(try #require(created.json?["id"] as? String, "\(created.text)"))
        }
        var holders: [String: String] = [:]
        for id in ids {
            let live = try await Self.waitFor(b, id, "live, held by a replica") { $0["status"] as? String == "live" && $0["replica"] is String }
            holders[id] = live["replica"] as? String
        }
        #expect(Set(holders.values) == ["replica-a", "replica-b"], "one camera each: \(holders)")
        let moving = try #require(holders.first { $0.value == "replica-a" }?.key)
        let before = Self.rows(try await Self.records(b, moving))

        kill(a.process.processIdentifier, SIGKILL)
        a.process.waitUntilExit()
        // Its stream server served the dead replica: a new one for the next reader.
        let index = ids.firstIndex(of: moving)!
        streams[index].kill()
        streams[index] = try CameraSessionTests.LiveServer(port: ports[index], from: 50, seconds: 100, loop: true)
        let moved = try await Self.waitFor(b, moving, upTo: 120, "taken over by replica-b with new records") {
            $0["replica"] as? String == "replica-b" && $0["status"] as? String == "live" && Self.written($0) >= 20
        }
        #expect(moved["live"] is [String: Any], "replica-b runs it now: \(moved)")
        let after = Self.rows(try await Self.records(b, moving))
        #expect(before.isSubset(of: after) && after.count > before.count)
        b.stop()
        await Self.dropDatabase(database)
    }

    @Test("PostgreSQL stopped for 10 s under a streaming camera: it keeps processing, records wait in memory (store_error says why), and all are written when the database returns",
          .timeLimit(.minutes(10)))
    func databaseOutage() async throws {
        let server = try await PostgresServer.startOwn()
        let database = server.url(database: try await server.createDatabase())
        let folder = temporaryFolder("camera-outage")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try freePort()
        let stream = try CameraSessionTests.LiveServer(port: port, from: 0, seconds: 120, loop: true)
        defer { stream.kill() }
        let service = try await Self.service(dataDirectory: folder, database: database)
        defer { service.stop() }
        let created = try await Self.postJSON(service.baseURL + "/cameras", ["name": "outage", "url": "http://127.0.0.1:\(port)/live.ts", "fps": 4])
        let id = try #require(created.json?["id"] as? String, "\(created.text)")
        try await Self.waitFor(service, id, "live with records") { $0["status"] as? String == "live" && Self.written($0) >= 40 }

        try await server.stop()
        let stoppedAt = Date()
        let waiting = try await Self.waitFor(service, id, upTo: 60, "records waiting, the store's error shown") {
            let records = $0["records"] as? [String: Any]
            return (records?["waiting"] as? Int ?? 0) > 20 && records?["store_error"] is String
        }
        let processedDuring = ((waiting["live"] as? [String: Any])?["frames_processed"] as? Int) ?? 0
        let remaining = 10 - Date().timeIntervalSince(stoppedAt)
        if remaining > 0 { try await Task.sleep(for: .seconds(remaining)) }
        let later = try await Self.camera(service, id)
        #expect(((later["live"] as? [String: Any])?["frames_processed"] as? Int ?? 0) > processedDuring, "processing goes on: \(later), at first \(waiting)")
        try await server.resume()
        let resumedAt = Date()
        let drained = try await Self.waitFor(service, id, upTo: 120, "the waiting records written") {
            let records = $0["records"] as? [String: Any]
            return records?["waiting"] as? Int == 0 && records?["store_error"] == nil
        }
        print("database outage: the waiting records were written \(Int(Date().timeIntervalSince(resumedAt))) s after the database returned")
        #expect((drained["records"] as? [String: Any])?["dropped"] as? Int == 0)
        // The outage left no hole: stored frames are at most 2 s apart through it.
        let times = try await Self.records(service, id).compactMap { $0["time"] as? String }.compactMap(Self.date)
        let during = Set(times.filter { $0 > stoppedAt && $0 < stoppedAt.addingTimeInterval(10) }.map { Int($0.timeIntervalSince1970) })
        #expect(during.count >= 8, "records from \(during.count) of the 10 seconds the database was down")
    }

    @Test("SQLite's disk full under a streaming camera: the service stays up, the camera shows the store's error with records waiting, and writes again once there is room",
          .timeLimit(.minutes(10)))
    func diskFull() async throws {
        let mountPoint = temporaryFolder("camera-tmpfs")
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        let launcher = ["/usr/bin/unshare", "-Urm", "/bin/sh", "-c", "mount -t tmpfs -o size=20m tmpfs \"$0\" && exec \"$@\"", mountPoint.path]
        let port = try freePort()
        let stream = try CameraSessionTests.LiveServer(port: port, from: 0, seconds: 120, loop: true)
        defer { stream.kill() }
        let service = try await ServiceProcess(arguments: ["--models", TestData.models, "--allow-private-networks",
                                                          "--data-dir", mountPoint.path], launcher: launcher)
        defer { service.stop() }
        let inside = URL(fileURLWithPath: "/proc/\(service.process.processIdentifier)/root" + mountPoint.path)
        let created = try await Self.postJSON(service.baseURL + "/cameras", ["name": "full", "url": "http://127.0.0.1:\(port)/live.ts", "fps": 4])
        let id = try #require(created.json?["id"] as? String, "\(created.text)")
        try await Self.waitFor(service, id, "live with records") { $0["status"] as? String == "live" && Self.written($0) >= 20 }

        let filler = inside.appendingPathComponent("filler")
        try FileManager.default.createDirectory(at: filler, withIntermediateDirectories: true)
        var chunks = 0
        while (try? Data(repeating: 7, count: 1 << 18).write(to: filler.appendingPathComponent("\(chunks)"))) != nil { chunks += 1 }
        let full = try await Self.waitFor(service, id, upTo: 120, "the store's error shown with records waiting") {
            let records = $0["records"] as? [String: Any]
            return (records?["waiting"] as? Int ?? 0) > 0 && records?["store_error"] is String
        }
        #expect(full["status"] as? String == "live", "the camera keeps processing: \(full)")
        #expect(try await httpBytes(service.baseURL + "/healthz").status == 200)

        try FileManager.default.removeItem(at: filler)
        try await Self.waitFor(service, id, upTo: 120, "written again") {
            let records = $0["records"] as? [String: Any]
            return records?["waiting"] as? Int == 0 && records?["store_error"] == nil
        }
        #expect(try await Self.records(service, id).count >= 20)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    // MARK: - Import and export

    @Test("PETS09's ground truth imported at 0.1 fps from 08:00 UTC (SQLite, then PostgreSQL): stored once, exported as the same MOT rows, a window by time, a bad row names its line and stores nothing",
          arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func importExportRoundTrip(kind: StoreDatabase.Kind) async throws {
        let folder = temporaryFolder("camera-import")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await Self.databaseURL(kind)
        let service = try await Self.service(dataDirectory: folder, database: database)
        defer { service.stop() }
        let created = try await Self.postJSON(service.baseURL + "/cameras", ["name": "PETS09 imported"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json?["id"] as? String)
        #expect(created.json?["status"] as? String == "idle" && created.json?["url"] == nil)

        let truth = try String(contentsOfFile: Self.gt, encoding: .utf8)
        let expected: [String] = truth.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",")
            guard fields.count >= 7, Double(fields[6]) != 0 else { return nil }
            return fields.prefix(7).joined(separator: ",") + ",-1,-1,-1"
        }.sorted { a, b in
            let (x, y) = (a.split(separator: ",").prefix(2).map { Int($0)! }, b.split(separator: ",").prefix(2).map { Int($0)! })
            return (x[0], x[1]) < (y[0], y[1])
        }
        let url = service.baseURL + "/cameras/\(id)/tracks?fps=0.1&start_time=2026-11-21T08:00:00Z"
        let imported = try await httpBytes(url, method: "POST", body: Data(truth.utf8), contentType: "text/plain")
        #expect(imported.status == 200, "\(imported.text)")
        #expect(imported.json?["rows"] as? Int == expected.count && imported.json?["stored"] as? Int == expected.count, "\(imported.text)")
        #expect(try await Self.camera(service, id)["fps"] as? Double == 0.1, "the camera takes the rate of its first import")

        let exported = try await httpBytes(service.baseURL + "/cameras/\(id)/tracks?format=mot&from=2026-11-21T08:00:00Z")
        #expect(exported.text == expected.joined(separator: "\n") + "\n")

        let again = try await httpBytes(url, method: "POST", body: Data(truth.utf8), contentType: "text/plain")
        #expect(again.json?["stored"] as? Int == 0 && again.json?["already_stored"] as? Int == expected.count, "\(again.text)")

        // 08:10 to 08:20 is frames 61 to 120 (frame f at 08:00 + (f - 1) x 10 s).
        let window = try await Self.records(service, id, query: "&from=2026-11-21T08:10:00Z&to=2026-11-21T08:20:00Z")
        let frames = Set(expected.compactMap { line -> Int? in
            let frame = Int(line.prefix { $0 != "," })!
            return (61...120).contains(frame) ? frame : nil
        })
        #expect(Set(window.compactMap { $0["time"] as? String }).count == frames.count)
        #expect(window.count == expected.filter { (61...120).contains(Int($0.prefix { $0 != "," })!) }.count)
        #expect(window.first?["time"] as? String == "2026-11-21T08:10:00.000000Z", "\(window.first ?? [:])")

        let other = try await Self.postJSON(service.baseURL + "/cameras", ["name": "bad rows"])
        let otherID = try #require(other.json?["id"] as? String)
        let bad = "1,1,10,10,20,40,1,-1,-1,-1\n2,1,11,10,20,40,1,-1,-1,-1\n3,1,twelve,10,20,40,1,-1,-1,-1\n"
        let refused = try await httpBytes(service.baseURL + "/cameras/\(otherID)/tracks?fps=7&start_time=2026-11-21T08:00:00Z",
                                          method: "POST", body: Data(bad.utf8), contentType: "text/plain")
        #expect(refused.status == 400 && refused.errorCode == "invalid_row", "\(refused.text)")
        #expect(refused.text.contains("line 3"), "\(refused.text)")
        #expect(try await Self.records(service, otherID).isEmpty, "nothing of a refused upload is stored")
        service.stop()
        await Self.dropDatabase(database)
    }

    @Test("--retention-days: records older than that are deleted at start (and hourly), the newer kept")
    func retention() async throws {
        let folder = temporaryFolder("camera-retention")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await Self.service(dataDirectory: folder)
        let created = try await Self.postJSON(first.baseURL + "/cameras", ["name": "archive"])
        let id = try #require(created.json?["id"] as? String)
        let rows = (1...20).map { "\($0),1,10,10,20,40,1,-1,-1,-1" }.joined(separator: "\n")
        let formatter = ISO8601DateFormatter()
        for daysAgo in [30.0, 1.0] {
            let start = formatter.string(from: Date().addingTimeInterval(-daysAgo * 86_400))
            let imported = try await httpBytes(first.baseURL + "/cameras/\(id)/tracks?fps=1&start_time=\(start)", method: "POST",
                                               body: Data(rows.utf8), contentType: "text/plain")
            #expect(imported.json?["stored"] as? Int == 20, "\(imported.text)")
        }
        first.stop()
        let second = try await Self.service(dataDirectory: folder, extra: ["--retention-days", "7"])
        defer { second.stop() }
        let giveUp = ContinuousClock.now + .seconds(60)
        var left = try await Self.records(second, id)
        while left.count > 20, ContinuousClock.now < giveUp {
            try await Task.sleep(for: .milliseconds(250))
            left = try await Self.records(second, id)
        }
        let cutoff = CSVRecords.time(Int64(Date().addingTimeInterval(-7 * 86_400).timeIntervalSince1970 * 1e6))
        #expect(left.count == 20 && left.allSatisfy { ($0["time"] as? String ?? "") > cutoff }, "\(left.count) records left")
    }

    // MARK: - Bad input

    @Test("bad camera input: 400 naming the field (name, url, fps, every, classes, unknown fields, import fps and start_time, to before from), 403 for a private address without the flag, 404 for an unknown camera")
    func badInput() async throws {
        let folder = temporaryFolder("camera-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let service = try await Self.service(dataDirectory: folder)
        defer { service.stop() }
        let base = service.baseURL + "/cameras"
        let cases: [([String: Any], String)] = [
            ([:], "name"),
            (["name": ""], "name"),
            (["name": "a", "url": "ftp://example.com/x"], "url"),
            (["name": "a", "url": 7], "url"),
            (["name": "a", "url": "rtsp://127.0.0.1/x", "fps": 0], "fps"),
            (["name": "a", "url": "rtsp://127.0.0.1/x", "fps": 500], "fps"),
            (["name": "a", "url": "rtsp://127.0.0.1/x", "every": 0], "every"),
            (["name": "a", "classes": ["persn"]], "classes"),
            (["name": "a", "classes": []], "classes"),
            (["name": "a", "colour": "red"], "colour"),
        ]
        for (body, field) in cases {
            let answer = try await Self.postJSON(base, body)
            #expect(answer.status == 400 && answer.errorField == field, "\(body): \(answer.status) \(answer.text)")
        }
        #expect(try await httpBytes(base, method: "POST", body: Data("{\"name\": ".utf8), contentType: "application/json").status == 400)
        let nearest = try await Self.postJSON(base, ["name": "a", "classes": ["persn"]])
        #expect(nearest.text.contains("person"), "the nearest class is named: \(nearest.text)")

        let created = try await Self.postJSON(base, ["name": "ok"])
        let id = try #require(created.json?["id"] as? String)
        let patch = try await Self.postJSON(base + "/\(id)", ["url": "rtsp://x/y"], method: "PATCH")
        #expect(patch.status == 400 && patch.errorField == "url", "\(patch.text)")
        let noFPS = try await httpBytes(base + "/\(id)/tracks?start_time=2026-11-21T08:00:00Z", method: "POST", body: Data("1,1,1,1,1,1,1\n".utf8))
        #expect(noFPS.status == 400 && noFPS.errorField == "fps", "\(noFPS.text)")
        let noStart = try await httpBytes(base + "/\(id)/tracks?fps=7", method: "POST", body: Data("1,1,1,1,1,1,1\n".utf8))
        #expect(noStart.status == 400 && noStart.errorField == "start_time", "\(noStart.text)")
        let badStart = try await httpBytes(base + "/\(id)/tracks?fps=7&start_time=yesterday", method: "POST", body: Data())
        #expect(badStart.status == 400 && badStart.errorField == "start_time", "\(badStart.text)")
        let backwards = try await httpBytes(base + "/\(id)/tracks?from=2026-11-21T09:00:00Z&to=2026-11-21T08:00:00Z")
        #expect(backwards.status == 400 && backwards.errorField == "to", "\(backwards.text)")
        let format = try await httpBytes(base + "/\(id)/tracks?format=xml")
        #expect(format.status == 400 && format.errorField == "format", "\(format.text)")

        for path in ["/nope", "/nope/tracks"] {
            let missing = try await httpBytes(base + path)
            #expect(missing.status == 404 && missing.errorCode == "camera_not_found", "\(path): \(missing.text)")
        }
        #expect(try await Self.postJSON(base + "/nope", ["paused": true], method: "PATCH").status == 404)
        #expect(try await httpBytes(base + "/nope", method: "DELETE").status == 404)

        let strict = try await ServiceProcess(arguments: ["--models", TestData.models, "--data-dir", folder.appendingPathComponent("strict").path])
        defer { strict.stop() }
        let refused = try await Self.postJSON(strict.baseURL + "/cameras", ["name": "a", "url": "rtsp://127.0.0.1:8554/x"])
        #expect(refused.status == 403 && refused.errorField == "url", "\(refused.text)")
    }

    // MARK: - Databases

    /// A fresh PostgreSQL database's URL on the test server, or nil for SQLite.
    static func databaseURL(_ kind: StoreDatabase.Kind) async throws -> String? {
        guard kind == .postgresql else { return nil }
        let server = try await PostgresServer.shared()
        return server.url(database: try await server.createDatabase())
    }

    static func dropDatabase(_ url: String?) async {
        guard let url, let name = url.split(separator: "/").last?.split(separator: "?").first else { return }
        await (try? PostgresServer.shared())?.dropDatabase(String(name))
    }
}


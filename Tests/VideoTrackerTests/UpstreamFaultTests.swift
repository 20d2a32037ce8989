import Foundation
import Testing
import VideoTracker

/// A real misbehaving server on loopback: no crash, no hang past the deadline, and either a
/// clear error or the frames tracked so far.
@Suite("Upstream faults", .serialized)
struct UpstreamFaultTests {
    static let walker = #"{"w":[{"x":205,"y":151},{"x":222,"y":201}]}"#

    func track(_ url: String, frames: Int = 40, extra: [String] = []) async throws -> ProcessResult {
        try await runTracker(["run", "--url", url, "--bbs", Self.walker, "--start-frame", "0",
                              "--frame-duration", String(frames), "--allow-private-networks", "--ndjson"] + extra)
    }

    /// The frame lines and the totals line of an NDJSON run.
    func parse(_ result: ProcessResult) throws -> (frames: [String], totals: [String: Any]) {
        let lines = result.output.split(separator: "\n").map(String.init)
        let last = try #require(lines.last)
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        return (Array(lines.dropLast()), totals)
    }

    @Test("a connection cut mid-body is resumed with a Range request: the answer is whole and unchanged")
    func cutOnceResumes() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let expected = try await track(faulty.url("/ok/crossing.mp4"))
        let resumed = try await track(faulty.url("/cut-once/crossing.mp4"))
        #expect(resumed.status == 0, "\(resumed.errorOutput)")
        #expect(resumed.output.split(separator: "\n").dropLast() == expected.output.split(separator: "\n").dropLast())
        #expect(try parse(resumed).totals["partial"] as? Bool == false)
    }

    @Test("bytes that stop coming for good give the frames tracked so far, marked partial")
    func permanentCutGivesPartial() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        // The faststart copy has its index first, so frames before the cut decode.
        let size = try await Fixtures.shared.size(of: "h264-faststart.mp4")
        let result = try await track(faulty.url("/cut-at/\(size / 2)/h264-faststart.mp4"), frames: 120)
        #expect(result.status == 0, "\(result.errorOutput)")
        let (frames, totals) = try parse(result)
        #expect(totals["partial"] as? Bool == true && totals["stop_reason"] as? String == "upstream_failed", "\(totals)")
        #expect(frames.count > 10 && frames.count < 120, "\(frames.count) frames before the cut")
    }

    @Test("a server that stalls is abandoned after the stall timeout, keeping the frames before it")
    func stallGivesPartial() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let size = try await Fixtures.shared.size(of: "h264-faststart.mp4")
        let began = Date()
        let result = try await track(faulty.url("/stall-at/\(size / 2)/h264-faststart.mp4"), frames: 120,
                                     extra: ["--stall-timeout", "2"])
        #expect(Date().timeIntervalSince(began) < 30, "no hang")
        #expect(result.status == 0, "\(result.errorOutput)")
        let (frames, totals) = try parse(result)
        #expect(totals["partial"] as? Bool == true, "\(totals)")
        #expect(frames.count > 10)
    }

    @Test("a stall in the service ends at the request deadline with a partial 200")
    func stallEndsAtDeadline() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let size = try await Fixtures.shared.size(of: "h264-faststart.mp4")
        // 6 s: room for a loaded machine to track the frames before the stall first.
        let service = try await ServiceProcess(arguments: ["--allow-private-networks", "--deadline", "6", "--stall-timeout", "60"])
        defer { service.stop() }
        let answer = try await service.run([
            // Half-way through the first range: the bytes before the stall reach the decoder as they come.
            "item_stream_url": faulty.url("/stall-at/\(size / 2)/h264-faststart.mp4"),
            "bbs": ["w": [["x": 205, "y": 151], ["x": 222, "y": 201]]], "start_frame": 0, "frame_duration": 120,
        ])
        // The deadline ended it (the stall timeout, 60 s, did not): no clock is read here.
        #expect(answer.status == 200 && answer.headers["x-tracking-partial"] == "true", "\(answer.status) \(answer.body.prefix(300))")
        #expect(answer.headers["x-tracking-stop-reason"] == "deadline")
        #expect(((answer.json as? [String: [String: Any]])?["w"]?.count ?? 0) > 10)
    }

    @Test("garbage in the middle of the file: no crash, the frames before it are tracked")
    func garbageInTheMiddle() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let result = try await runTracker(["run", "--url", faulty.url("/garbage/vtest.avi"), "--bbs",
                                           #"{"p":[{"x":499,"y":158},{"x":530,"y":233}]}"#, "--start-frame", "0",
                                           "--frame-duration", "795", "--tracker", "kcf", "--lost", "null",
                                           "--allow-private-networks"])
        #expect(result.status == 0, "\(result.errorOutput)")
        let frames = try #require((try JSONSerialization.jsonObject(with: result.stdout) as? [String: [String: Any]])?["p"])
        #expect(frames.count > 300, "\(frames.count) frames")
    }

    @Test("a server that ignores Range still gives the right answer")
    func ignoresRange() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let expected = try await track(faulty.url("/ok/crossing.mp4"))
        let result = try await track(faulty.url("/no-range/crossing.mp4"))
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.split(separator: "\n").dropLast() == expected.output.split(separator: "\n").dropLast())
    }

    @Test("clear errors: an HTML page, a 404, too many redirects, a redirect off the allow-list")
    func clearErrors() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let cases: [(path: String, extra: [String], exit: Int32, code: String)] = [
            ("/html", [], 4, "not_a_video"),
            ("/ok/missing.mp4", [], 4, "upstream_http_404"),
            ("/redirect/6/ok/crossing.mp4", [], 4, "too_many_redirects"),
            ("/redirect-to?http://localhost:\(faulty.port)/ok/crossing.mp4", ["--allow-host", "127.0.0.1"], 3, "destination_refused"),
        ]
        for testCase in cases {
            let result = try await track(faulty.url(testCase.path), extra: testCase.extra)
            #expect(result.status == testCase.exit, "\(testCase.path): exit \(result.status) \(result.errorOutput)")
            #expect(result.errorOutput.contains("\"code\":\"\(testCase.code)\""), "\(testCase.path): \(result.errorOutput)")
        }
        let redirected = try await track(faulty.url("/redirect/3/ok/crossing.mp4"), frames: 5)
        #expect(redirected.status == 0, "three redirects are followed: \(redirected.errorOutput)")
    }
}

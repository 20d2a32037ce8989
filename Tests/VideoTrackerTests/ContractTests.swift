import Foundation
import Testing
import VideoTracker

/// The annotation studio's contract, over HTTP from `video-tracker serve` and from the CLI.
@Suite("The tracker-function contract", .serialized)
struct ContractTests {
    static var crossingBox: [String: Any] { ["walker": [["x": 205, "y": 151], ["x": 222, "y": 201]]] }

    @Test("HTTP and CLI give the same answer: absolute frame keys, start frame echoed, integer boxes")
    func contractShape() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await ServiceProcess(arguments: ["--allow-private-networks"])
        defer { service.stop() }
        let body: [String: Any] = ["item_stream_url": server.url("crossing.mp4"), "bbs": Self.crossingBox,
                                   "start_frame": 10, "frame_duration": 25]
        let http = try await service.run(body)
        #expect(http.status == 200)
        #expect(http.headers["content-type"] == "application/json")
        #expect(http.headers["x-tracking-partial"] == "false")

        let cli = try await runTracker(["run", "--url", server.url("crossing.mp4"), "--bbs", #"{"walker":[{"x":205,"y":151},{"x":222,"y":201}]}"#,
                                        "--start-frame", "10", "--frame-duration", "25", "--allow-private-networks"])
        #expect(cli.status == 0, "\(cli.errorOutput)")
        #expect(cli.output.trimmingCharacters(in: .whitespacesAndNewlines) == http.body, "CLI and HTTP answers differ")

        let answer = try #require(http.json as? [String: [String: Any]])
        #expect(Array(answer.keys) == ["walker"])
        let frames = try #require(answer["walker"])
        #expect(Set(frames.keys) == Set((10..<35).map(String.init)), "CSRT keeps this walker in every frame")
        #expect(Contract.box(frames["10"]) == Box(left: 205, top: 151, right: 222, bottom: 201), "start frame echoes the box")
        for (_, value) in frames {
            let points = try #require(value as? [[String: Any]])
            for point in points {
                #expect(point["x"] is Int && point["y"] is Int, "integer pixels, got \(point)")
            }
        }
        // Frame keys come out in numeric order.
        let keyOrder = http.body.matches(of: /"(\d+)":\[/).map { Int($0.1)! }
        #expect(keyOrder == Array(10..<35))
    }

    @Test("the video ending before frame_duration returns what exists")
    func videoEndsEarly() async throws {
        let server = try await Fixtures.shared.videoServer()
        let result = try await runTracker(["run", "--url", server.url("crossing.mp4"), "--bbs", #"{"w":[{"x":170,"y":150},{"x":190,"y":200}]}"#,
                                           "--start-frame", "110", "--frame-duration", "60", "--tracker", "kcf",
                                           "--allow-private-networks", "--lost", "null"])
        #expect(result.status == 0, "\(result.errorOutput)")
        let answer = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: [String: Any]])
        #expect(Set(answer["w"]!.keys) == Set((110..<120).map(String.init)), "Crossing has frames 0-119")
    }

    @Test("lost frames are left out by default and null with lost=null")
    func lostFrames() async throws {
        // KCF reports losing the Crossing walker within a few dozen frames (test data README).
        let server = try await Fixtures.shared.videoServer()
        let arguments = ["run", "--url", server.url("crossing.mp4"), "--bbs", #"{"w":[{"x":205,"y":151},{"x":222,"y":201}]}"#,
                         "--start-frame", "0", "--frame-duration", "60", "--tracker", "kcf", "--allow-private-networks"]
        let omitted = try await runTracker(arguments)
        let nulled = try await runTracker(arguments + ["--lost", "null"])
        let omittedFrames = try #require((try JSONSerialization.jsonObject(with: omitted.stdout) as? [String: [String: Any]])?["w"])
        let nulledFrames = try #require((try JSONSerialization.jsonObject(with: nulled.stdout) as? [String: [String: Any]])?["w"])
        #expect(nulledFrames.count == 60)
        let lost = nulledFrames.filter { $0.value is NSNull }.map(\.key)
        #expect(!lost.isEmpty, "KCF should lose this walker")
        #expect(omittedFrames.count == 60 - lost.count)
        #expect(lost.allSatisfy { omittedFrames[$0] == nil })
    }

    @Test("a local file works as --url in the CLI")
    func localFile() async throws {
        let result = try await runTracker(["run", "--url", TestData.crossing, "--bbs", #"{"w":[{"x":205,"y":151},{"x":222,"y":201}]}"#,
                                           "--start-frame", "0", "--frame-duration", "5"])
        #expect(result.status == 0, "\(result.errorOutput)")
        let answer = try JSONSerialization.jsonObject(with: result.stdout) as? [String: [String: Any]]
        #expect(answer?["w"]?.count == 5)
    }
}

@Suite("Deadline: work done is never thrown away", .serialized)
struct DeadlineTests {
    @Test("a request that reaches its deadline answers 200 with the frames tracked so far, marked partial")
    func partialAtDeadline() async throws {
        let server = try await Fixtures.shared.videoServer()
        // 6 s: the other suites start all at once and load this 2-core machine for the first seconds.
        let service = try await ServiceProcess(arguments: ["--allow-private-networks", "--deadline", "6"])
        defer { service.stop() }
        let bbs = try Contract.people("PETS09-S2L1", frame: 100, ids: [9, 11, 12, 13, 15, 19])
        // Six CSRT trackers over 690 frames of 768x576 take far longer than 6 s on any machine.
        let body: [String: Any] = ["item_stream_url": server.url("vtest.avi"), "bbs": bbs, "start_frame": 100, "frame_duration": 690]
        let answer = try await service.run(body)
        #expect(answer.status == 200)
        #expect(answer.headers["x-tracking-partial"] == "true")
        #expect(answer.headers["x-tracking-stop-reason"] == "deadline")
        let frames = try #require((answer.json as? [String: [String: Any]])?["person-9"])
        #expect(answer.headers["x-tracking-frames"] == "\(frames.count)/690")
        #expect(frames.count > 1 && frames.count < 690, "\(frames.count) frames")
        #expect(frames.keys.compactMap(Int.init).sorted() == Array(100..<(100 + frames.count)), "a run of frames from the start")

        let streamed = try await runTracker(["run", "--url", server.url("vtest.avi"), "--bbs",
                                             String(decoding: try JSONSerialization.data(withJSONObject: bbs), as: UTF8.self),
                                             "--start-frame", "100", "--frame-duration", "690", "--deadline", "3",
                                             "--ndjson", "--allow-private-networks"])
        let last = try #require(streamed.output.split(separator: "\n").last)
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(totals["partial"] as? Bool == true && totals["stop_reason"] as? String == "deadline")
    }
}

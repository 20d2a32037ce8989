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
        // At least the start frame (its boxes are the request's); how many more depends on the machine's load.
        #expect(frames.count >= 1 && frames.count < 690, "\(frames.count) frames")
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

/// `TrackRequest.decode` in-process: strict JSON with the byte offset, boxes explained, unknown fields named.
@Suite("Request decoding: what a bad body is told")
struct RequestDecodingTests {
    static let head = #"{"item_stream_url": "https://example.com/v.mp4", "start_frame": 0, "bbs": {"a": "#

    /// The error `TrackRequest.decode` throws for `body`.
    private func refusal(_ body: String) throws -> TrackingError {
        do {
            let request = try TrackRequest.decode(Array(body.utf8))
            throw TestFailure("accepted: \(request.annotations)")
        } catch let error as TrackingError {
            return error
        }
    }

    @Test("each usual wrong box shape gets a 400 naming the annotation, quoting it and saying what a box is",
          arguments: [
              (#"[10, 20, 30, 40]"#, "[10,20,30,40]", #"if they are [x, y, width, height], send [{"x":10,"y":20},{"x":40,"y":60}]"#),
              (#"{"x": 10, "y": 20, "w": 30, "h": 40}"#, #"{"x":10,"y":20,"w":30,"h":40}"#,
               #"one object with x, y, width and height is not a box; send [{"x":10,"y":20},{"x":40,"y":60}]"#),
              (#"{"x": 10, "y": 20, "width": 30, "height": 40}"#, #"{"x":10,"y":20,"width":30,"height":40}"#,
               #"send [{"x":10,"y":20},{"x":40,"y":60}]"#),
              (#"{"x": 10, "y": 20}"#, #"{"x":10,"y":20}"#, "that is one point; a box needs two"),
              (#"[{"x": 10, "y": 20}]"#, #"[{"x":10,"y":20}]"#, "that is one point; a box needs two"),
              (#"[{"x": "10", "y": "20"}, {"x": "40", "y": "60"}]"#, #"[{"x":"10","y":"20"},{"x":"40","y":"60"}]"#,
               "x and y must be numbers, not strings"),
              (#"["10", "20", "30", "40"]"#, #"["10","20","30","40"]"#, "numbers, not strings"),
              (#"[[10, 20], [40, 60]]"#, "[[10,20],[40,60]]", "points are objects with x and y, not lists"),
              (#"[{"x": 10}, {"x": 40, "y": 60}]"#, #"[{"x":10},{"x":40,"y":60}]"#, #"point 1 has no "y""#),
              (#"[{"x": 1, "y": 1}, {"x": 5, "y": 5}, {"x": 9, "y": 9}]"#, #"[{"x":1,"y":1},{"x":5,"y":5},{"x":9,"y":9}]"#,
               "that is 3 points; a box has two"),
          ])
    func boxShapes(sent: String, quoted: String, hint: String) throws {
        let error = try refusal(Self.head + sent + "}}")
        #expect(error.kind == .badRequest && error.code == "invalid_field")
        #expect(error.field == "bbs.a")
        #expect(error.message.hasPrefix("bbs.a must be a box"), "\(error.message)")
        #expect(error.message.contains(#"two points [{"x": x1, "y": y1}, {"x": x2, "y": y2}], top-left then bottom-right, in pixels"#),
                "\(error.message)")
        #expect(error.message.contains("got \(quoted)"), "\(error.message)")
        #expect(error.message.contains(hint), "\(error.message)")
    }

    @Test("a long wrong box is quoted cut short")
    func longBoxQuotedShort() throws {
        let numbers = (0..<200).map(String.init).joined(separator: ",")
        let error = try refusal(Self.head + "[\(numbers)]}}")
        #expect(error.field == "bbs.a")
        #expect(error.message.contains("got [0,1,2,3,"), "\(error.message)")
        #expect(error.message.contains("…") && error.message.count < 400, "\(error.message)")
    }

    @Test("boxes as the platform sends them (points with a z) and null optional fields are accepted")
    func platformShapesAccepted() throws {
        let body = Self.head + #"[{"x": 1, "y": 2, "z": 0}, {"x": 9.5, "y": 8, "z": 0}]}, "frame_duration": null, "tracker": null}"#
        let request = try TrackRequest.decode(Array(("\u{FEFF}" + body).utf8))
        #expect(request.annotations.map(\.id) == ["a"])
        #expect(request.annotations.first?.box == Box(left: 1, top: 2, right: 9.5, bottom: 8))
        #expect(request.frameDuration == 60 && request.tracker == nil)
    }

    @Test("malformed JSON is a 400 naming the byte offset and what was expected there",
          arguments: [
              // (body, the text at the offset (its last occurrence), words of the reason)
              (#"{"item_stream_url": "u", "start_frame": 0, "bbs": {},}"#, "}", "trailing comma"),
              (#"{"bbs": {"a": [{"x": 1, "y": 1}, {"x": 9, "y": 9},]}}"#, "]}}", "trailing comma"),
              (#"{"start_frame": 0, // the first frame"#, "// the", "comments are not allowed"),
              (#"/* boxes */ {"start_frame": 0}"#, "/* boxes", "comments are not allowed"),
              (#"{'item_stream_url': 'u'}"#, "'item", "double quotes in JSON, not single quotes"),
              (#"{"item_stream_url": 'u'}"#, "'u'", "not single quotes"),
              (#"{"start_frame": 01}"#, "1}", "must not start with 0"),
              (#"{"start_frame": NaN}"#, "NaN", "expected a value"),
              (#"{"start_frame": 0} x"#, "x", "expected the end of the text"),
              (#"{"start_frame" 0}"#, "0}", "expected ':'"),
              (#"{"item_stream_url": "u\q"}"#, "\\q", "not a JSON escape"),
          ])
    func malformed(body: String, at marker: String, reason: String) throws {
        // The marker's last occurrence: where the text stops being JSON.
        let bytes = Array(body.utf8), wanted = Array(marker.utf8)
        let expected = try #require((0...(bytes.count - wanted.count)).last { bytes[$0...].starts(with: wanted) })
        let error = try refusal(body)
        #expect(error.kind == .badRequest && error.code == "malformed_json")
        #expect(error.message.contains("at byte \(expected):"), "want byte \(expected): \(error.message)")
        #expect(error.message.contains(reason), "\(error.message)")
    }

    @Test("an unknown top-level field is a 400 naming it and listing the accepted ones")
    func unknownField() throws {
        let error = try refusal(Self.head + #"[{"x": 1, "y": 1}, {"x": 9, "y": 9}]}, "frame_duraton": 300}"#)
        #expect(error.kind == .badRequest && error.code == "unknown_field")
        #expect(error.field == "frame_duraton")
        #expect(error.message.contains(#"unknown field "frame_duraton" (did you mean "frame_duration"?)"#), "\(error.message)")
        #expect(error.message.contains("item_stream_url, bbs, start_frame, frame_duration, tracker, lost, headers"), "\(error.message)")
        // A member with an empty name (found by the fuzzer): the body is at fault, not a field named "".
        let empty = try refusal(#"{"": 0}"#)
        #expect(empty.code == "unknown_field" && empty.field == nil && empty.message.contains(#"unknown field """#))
    }

    @Test("a field or annotation given twice is refused, not silently overwritten")
    func duplicates() throws {
        let twice = try refusal(#"{"start_frame": 0, "start_frame": 5}"#)
        #expect(twice.field == "start_frame" && twice.message.contains("twice"))
        let sameId = try refusal(Self.head + #"[{"x": 1, "y": 1}, {"x": 9, "y": 9}], "a": [{"x": 2, "y": 2}, {"x": 9, "y": 9}]}}"#)
        #expect(sameId.field == "bbs.a" && sameId.message.contains("twice"))
    }
}

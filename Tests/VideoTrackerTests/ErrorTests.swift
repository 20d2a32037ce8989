import Foundation
import Testing
import VideoTracker

@Suite("Bad input and refused destinations", .serialized)
struct ErrorTests {
    @Test("without --allow-private-networks, loopback video URLs are refused with 403")
    func privateNetworksRefused() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await ServiceProcess()
        defer { service.stop() }
        for host in ["127.0.0.1", "localhost", "2130706433", "127.1", "[::1]"] {
            let body: [String: Any] = ["item_stream_url": "http://\(host):\(server.port)/videos/crossing.mp4",
                                       "bbs": ContractTests.crossingBox, "start_frame": 0, "frame_duration": 5]
            let answer = try await service.run(body)
            #expect(answer.status == 403, "\(host): \(answer.body)")
            let error = (answer.json as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "destination_refused")
            #expect(error?["field"] as? String == "item_stream_url")
        }
        let cli = try await runTracker(["run", "--url", server.url("crossing.mp4"), "--bbs", #"{"w":[{"x":1,"y":1},{"x":9,"y":9}]}"#,
                                        "--start-frame", "0"])
        #expect(cli.status != 0)
        #expect(cli.errorOutput.contains("destination_refused"))
    }

    @Test("bad requests get a JSON error naming the field, with a fitting status")
    func badRequests() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await ServiceProcess(arguments: ["--allow-private-networks"])
        defer { service.stop() }
        let video = server.url("crossing.mp4")
        let good: [String: Any] = ["item_stream_url": video, "bbs": ContractTests.crossingBox, "start_frame": 0, "frame_duration": 5]
        func with(_ changes: [String: Any?]) -> [String: Any] {
            var body = good
            for (key, value) in changes { body[key] = value }
            return body
        }
        let manyBoxes = Dictionary(uniqueKeysWithValues: (0..<51).map { ("a\($0)", [["x": 1, "y": 1], ["x": 9, "y": 9]]) })
        let cases: [(name: String, body: [String: Any], status: Int, code: String, field: String?)] = [
            ("missing bbs", with(["bbs": nil]), 400, "invalid_field", "bbs"),
            ("start_frame a string", with(["start_frame": "ten"]), 400, "invalid_field", "start_frame"),
            ("point without y", with(["bbs": ["a": [["x": 1], ["x": 9, "y": 9]]]]), 400, "invalid_field", "bbs.a"),
            ("box as [x, y, w, h]", with(["bbs": ["a": [10, 20, 30, 40]]]), 400, "invalid_field", "bbs.a"),
            ("box as one object", with(["bbs": ["a": ["x": 10, "y": 20, "w": 30, "h": 40]]]), 400, "invalid_field", "bbs.a"),
            ("box as one point", with(["bbs": ["a": [["x": 10, "y": 20]]]]), 400, "invalid_field", "bbs.a"),
            ("box with string numbers", with(["bbs": ["a": [["x": "10", "y": "20"], ["x": "40", "y": "60"]]]]), 400, "invalid_field", "bbs.a"),
            ("misspelled field", with(["frame_duraton": 300]), 400, "unknown_field", "frame_duraton"),
            ("three points", with(["bbs": ["a": [["x": 1, "y": 1], ["x": 9, "y": 9], ["x": 9, "y": 9]]]]), 400, "invalid_field", "bbs.a"),
            ("unknown tracker", with(["tracker": "goturn"]), 400, "invalid_field", "tracker"),
            ("empty box", with(["bbs": ["a": [["x": 10, "y": 10], ["x": 10, "y": 30]]]]), 422, "empty_box", "bbs.a"),
            ("box outside the frame", with(["bbs": ["a": [["x": 500, "y": 500], ["x": 520, "y": 540]]]]), 422, "box_outside_frame", "bbs.a"),
            ("start past the end", with(["start_frame": 5000]), 422, "start_frame_past_end", "start_frame"),
            ("box reaching more than half the frame past its edge", with(["bbs": ["a": [["x": -200, "y": 10], ["x": 20, "y": 50]]]]), 422,
             "box_outside_frame", "bbs.a"),
            ("frame_duration 0", with(["frame_duration": 0]), 422, "invalid_frame_duration", "frame_duration"),
            ("51 annotations", with(["bbs": manyBoxes]), 413, "too_many_annotations", "bbs"),
            ("ftp URL", with(["item_stream_url": "ftp://example.com/a.mp4"]), 400, "invalid_field", "item_stream_url"),
            ("video not found", with(["item_stream_url": server.url("missing.mp4")]), 502, "upstream_http_404", "item_stream_url"),
        ]
        for testCase in cases {
            let answer = try await service.run(testCase.body)
            let error = (answer.json as? [String: Any])?["error"] as? [String: Any]
            #expect(answer.status == testCase.status, "\(testCase.name): \(answer.status) \(answer.body)")
            #expect(error?["code"] as? String == testCase.code, "\(testCase.name): \(answer.body)")
            #expect(error?["field"] as? String == testCase.field, "\(testCase.name): \(answer.body)")
            #expect((error?["message"] as? String)?.isEmpty == false)
        }
        let pastEnd = try await service.run(with(["start_frame": 5000]))
        #expect(pastEnd.body.contains("120 frames"), "the message says how many frames the video has: \(pastEnd.body)")

        let malformed = try await curl(service.baseURL + "/run", method: "POST", body: Data("{not json".utf8))
        #expect(malformed.status == 400 && malformed.body.contains("malformed_json"))
        let noRoute = try await curl(service.baseURL + "/nowhere")
        #expect(noRoute.status == 404 && noRoute.body.contains("\"error\""))

        let xywh = try await service.run(with(["bbs": ["person-1": [10, 20, 30, 40]]]))
        let xywhMessage = ((xywh.json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(xywhMessage.contains("bbs.person-1") && xywhMessage.contains("got [10,20,30,40]")
                    && xywhMessage.contains("top-left then bottom-right, in pixels"), "\(xywh.body)")

        // A trailing comma: Foundation's reader accepts it, the service does not.
        let trailing = #"{"item_stream_url": "\#(video)", "bbs": {"a": [{"x": 205, "y": 151}, {"x": 222, "y": 201}]}, "start_frame": 0,}"#
        let trailingAnswer = try await curl(service.baseURL + "/run", method: "POST", body: Data(trailing.utf8))
        #expect(trailingAnswer.status == 400 && trailingAnswer.body.contains("malformed_json"), "\(trailingAnswer.body)")
        #expect(trailingAnswer.body.contains("at byte \(trailing.utf8.count - 1):"), "\(trailingAnswer.body)")
    }

    @Test("a known route asked with the wrong method is a 405 with Allow and a JSON error")
    func wrongMethod() async throws {
        let service = try await ServiceProcess()
        defer { service.stop() }
        for (method, path, allow) in [("GET", "/run", "POST"), ("PUT", "/run", "POST"), ("POST", "/healthz", "GET"),
                                      ("DELETE", "/metrics", "GET")] {
            let answer = try await curl(service.baseURL + path, method: method)
            #expect(answer.status == 405, "\(method) \(path): \(answer.status) \(answer.body)")
            #expect(answer.headers["allow"] == allow, "\(method) \(path): \(answer.headers)")
            #expect(answer.headers["content-type"] == "application/json")
            let error = (answer.json as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "method_not_allowed", "\(answer.body)")
            #expect((error?["message"] as? String)?.contains("\(path) takes \(allow), not \(method)") == true, "\(answer.body)")
        }
    }
}

@Suite("Capacity limits", .serialized)
struct CapacityTests {
    @Test("a body over --max-body-bytes gets 413")
    func bodyTooLarge() async throws {
        let service = try await ServiceProcess(arguments: ["--max-body-bytes", "2000"])
        defer { service.stop() }
        let padding = String(repeating: "x", count: 5000)
        let answer = try await service.run(["item_stream_url": "http://example.invalid/\(padding)", "bbs": ContractTests.crossingBox,
                                            "start_frame": 0])
        #expect(answer.status == 413 && answer.body.contains("body_too_large"), "\(answer.status) \(answer.body)")
    }

    @Test("over --max-in-flight, a request gets 503 with Retry-After while the running one finishes")
    func overCapacity() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await ServiceProcess(arguments: ["--allow-private-networks", "--max-in-flight", "1",
                                                           "--deadline", "600", "--stall-timeout", "600"])
        defer { service.stop() }
        let first = try await service.startHeldRequest()
        let refused = try await service.run(["item_stream_url": server.url("crossing.mp4"), "bbs": ContractTests.crossingBox,
                                             "start_frame": 0, "frame_duration": 5])
        #expect(refused.status == 503 && refused.headers["retry-after"] == "1", "\(refused.status) \(refused.body)")
        #expect(refused.body.contains("over_capacity"))
        first.release()
        let lines = try await first.finish()
        #expect(lines.count == 121 && lines.last?.contains(#""stop_reason":"completed""#) == true, "\(lines.suffix(1))")
    }
}

import Foundation
import Testing
import VideoTracker

@Suite("Parallel tracking", .serialized)
struct ParallelTests {
    @Test("four people tracked in parallel give exactly what one-after-another gives")
    func parallelEqualsSequential() async throws {
        let server = try await Fixtures.shared.videoServer()
        let bbs = try Contract.people("PETS09-S2L1", frame: 100, ids: [9, 11, 13, 15])
        let bbsText = String(decoding: try JSONSerialization.data(withJSONObject: bbs), as: UTF8.self)
        let arguments = ["run", "--url", server.url("vtest.avi"), "--bbs", bbsText, "--start-frame", "100",
                         "--frame-duration", "40", "--allow-private-networks"]
        let parallel = try await runTracker(arguments)
        let sequential = try await runTracker(arguments + ["--sequential"])
        #expect(parallel.status == 0 && sequential.status == 0, "\(parallel.errorOutput) \(sequential.errorOutput)")
        #expect(parallel.output == sequential.output)
        let answer = try #require(try JSONSerialization.jsonObject(with: parallel.stdout) as? [String: [String: Any]])
        #expect(answer.keys.sorted() == ["person-11", "person-13", "person-15", "person-9"])
        #expect(answer.values.allSatisfy { $0.count >= 35 }, "CSRT keeps these people in nearly every frame")
    }

    @Test("ten concurrent requests to one server are all answered correctly")
    func tenConcurrentRequests() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await ServiceProcess(arguments: ["--allow-private-networks"])
        defer { service.stop() }
        let truth = try TestData.crossingTruth()
        // Two different requests, five of each, all at once; each must equal its CLI answer.
        let variants = try [0, 40].map { start -> (body: [String: Any], expected: String) in
            let box = try #require(truth[start])
            let body: [String: Any] = ["item_stream_url": server.url("crossing.mp4"), "bbs": ["w": TestData.boxJSON(box)],
                                       "start_frame": start, "frame_duration": 30, "tracker": "csrt"]
            return (body, "")
        }
        var expected: [String] = []
        for variant in variants {
            let bbs = String(decoding: try JSONSerialization.data(withJSONObject: variant.body["bbs"]!), as: UTF8.self)
            let cli = try await runTracker(["run", "--url", server.url("crossing.mp4"), "--bbs", bbs,
                                            "--start-frame", "\(variant.body["start_frame"]!)", "--frame-duration", "30",
                                            "--allow-private-networks"])
            expected.append(cli.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let bodies = try variants.map { try JSONSerialization.data(withJSONObject: $0.body) }
        let url = service.baseURL + "/run"
        let answers = try await withThrowingTaskGroup(of: (Int, HTTPAnswer).self) { group in
            for index in 0..<10 {
                let body = bodies[index % 2]
                group.addTask { (index, try await curl(url, method: "POST", body: body)) }
            }
            return try await group.reduce(into: [(Int, HTTPAnswer)]()) { $0.append($1) }
        }
        #expect(answers.count == 10)
        for (index, answer) in answers {
            #expect(answer.status == 200, "request \(index): \(answer.body)")
            #expect(answer.body == expected[index % 2], "request \(index) differs from its CLI answer")
        }
    }
}

import Foundation
import Testing
import VideoTracker

/// 200 requests, 10 at a time, against one server on loopback: bounded in count, and it stops.
@Suite("Load", .serialized)
struct LoadTests {
    @Test("200 requests at 10 concurrent: all correct, no 5xx, resident memory flat")
    func twoHundredRequests() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await ServiceProcess(arguments: ["--allow-private-networks"])
        defer { service.stop() }
        let truth = try TestData.crossingTruth()
        let starts = [0, 30, 60, 90]
        var bodies: [Data] = []
        var expected: [String] = []
        for start in starts {
            let box = try #require(truth[start])
            bodies.append(try JSONSerialization.data(withJSONObject: [
                "item_stream_url": server.url("crossing.mp4"), "bbs": ["w": TestData.boxJSON(box)],
                "start_frame": start, "frame_duration": 10, "tracker": "kcf",
            ] as [String: Any]))
            let bbs = String(decoding: try JSONSerialization.data(withJSONObject: ["w": TestData.boxJSON(box)]), as: UTF8.self)
            let cli = try await runTracker(["run", "--url", server.url("crossing.mp4"), "--bbs", bbs, "--start-frame", "\(start)",
                                            "--frame-duration", "10", "--tracker", "kcf", "--allow-private-networks"])
            expected.append(cli.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let url = service.baseURL + "/run"
        let pid = service.process.processIdentifier

        func batch(_ range: Range<Int>) async throws -> [(Int, HTTPAnswer)] {
            try await withThrowingTaskGroup(of: (Int, HTTPAnswer).self) { group in
                var results: [(Int, HTTPAnswer)] = []
                var next = range.lowerBound
                // Ten in flight at any moment.
                while next < range.upperBound && next < range.lowerBound + 10 {
                    let index = next, body = bodies[index % bodies.count]
                    group.addTask { (index, try await curl(url, method: "POST", body: body)) }
                    next += 1
                }
                while let result = try await group.next() {
                    results.append(result)
                    if next < range.upperBound {
                        let index = next, body = bodies[index % bodies.count]
                        group.addTask { (index, try await curl(url, method: "POST", body: body)) }
                        next += 1
                    }
                }
                return results
            }
        }

        var answers = try await batch(0..<20)
        let residentAfter20 = try residentKilobytes(pid)
        answers += try await batch(20..<200)
        let residentAfter200 = try residentKilobytes(pid)

        #expect(answers.count == 200)
        for (index, answer) in answers {
            #expect(answer.status == 200, "request \(index): \(answer.status) \(answer.body)")
            #expect(answer.body == expected[index % expected.count], "request \(index) answered wrongly")
        }
        #expect(Double(residentAfter200) <= 1.2 * Double(residentAfter20),
                "resident memory grew from \(residentAfter20) kB after 20 requests to \(residentAfter200) kB after 200")
        print("load: resident memory \(residentAfter20) kB after 20 requests, \(residentAfter200) kB after 200")
    }

    func residentKilobytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw TestFailure("no VmRSS for \(pid)")
        }
        return value
    }
}

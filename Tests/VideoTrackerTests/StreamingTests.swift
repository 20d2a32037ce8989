import Foundation
import Testing
import VideoTracker

@Suite("NDJSON progress streaming", .serialized)
struct StreamingTests {
    @Test("lines arrive while tracking runs, and their boxes equal the plain answer")
    func linesArriveBeforeTheEnd() async throws {
        let service = try await ServiceProcess(arguments: ["--allow-private-networks", "--deadline", "600",
                                                           "--stall-timeout", "600"])
        defer { service.stop() }
        // The video's second half is held back until the first lines are in: lines that arrive while the
        // answer cannot yet be complete show it is streamed, on any machine.
        let fields: [String: Any] = ["frame_duration": 80, "lost": "null"]
        let held = try await service.startHeldRequest(fields)
        let beforeRelease = held.lines
        #expect(!beforeRelease.isEmpty && !beforeRelease.contains { $0.contains("\"done\"") }, "\(beforeRelease)")
        held.release()
        let lines = try await held.finish()
        #expect(lines.count == 81, "80 frame lines and one line of totals")

        let frames = lines.dropLast().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(frames.map { $0["frame"] as? Int } == (0..<80).map { $0 })
        let progress = frames.compactMap { $0["progress"] as? Double }
        #expect(progress == progress.sorted() && progress.last == 1)
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any])
        #expect(totals["done"] as? Bool == true && totals["partial"] as? Bool == false)
        #expect(totals["frames_tracked"] as? Int == 80)

        let faulty = try await Fixtures.shared.faultyServer()
        var body: [String: Any] = fields
        body["item_stream_url"] = faulty.url("/ok/h264-faststart.mp4")
        body["bbs"] = ContractTests.crossingBox
        body["start_frame"] = 0
        let plain = try await service.run(body)
        let answer = try #require(plain.json as? [String: [String: Any]])
        for frame in frames {
            let number = frame["frame"] as! Int
            let boxes = frame["boxes"] as! [String: Any]
            for (id, box) in boxes {
                #expect(Contract.box(box) == Contract.box(answer[id]?["\(number)"]), "\(id) frame \(number)")
            }
        }
    }
}

import Foundation
import Testing
import VideoTracker

@Suite("NDJSON progress streaming", .serialized)
struct StreamingTests {
    @Test("lines arrive while tracking runs, and their boxes equal the plain answer")
    func linesArriveBeforeTheEnd() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await ServiceProcess(arguments: ["--allow-private-networks"])
        defer { service.stop() }
        let bbs = try Contract.people("PETS09-S2L1", frame: 0, ids: [9, 15])
        let body: [String: Any] = ["item_stream_url": server.url("vtest.avi"), "bbs": bbs, "start_frame": 0,
                                   "frame_duration": 80, "lost": "null"]
        let data = try JSONSerialization.data(withJSONObject: body)

        let arrivals = try await onThread { try Self.streamLines(url: service.baseURL + "/run", body: data) }
        let lines = arrivals.map(\.line)
        #expect(lines.count == 81, "80 frame lines and one line of totals")
        let firstAt = try #require(arrivals.first?.seconds)
        let lastAt = try #require(arrivals.last?.seconds)
        #expect(lastAt - firstAt > 0.3, "the first line came \(firstAt) s in, the last \(lastAt) s: not streamed")

        let frames = lines.dropLast().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(frames.map { $0["frame"] as? Int } == (0..<80).map { $0 })
        let progress = frames.compactMap { $0["progress"] as? Double }
        #expect(progress == progress.sorted() && progress.last == 1)
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any])
        #expect(totals["done"] as? Bool == true && totals["partial"] as? Bool == false)
        #expect(totals["frames_tracked"] as? Int == 80)

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

    /// Reads curl's output as it comes, stamping each line with when it arrived.
    static func streamLines(url: String, body: Data) throws -> [(line: String, seconds: Double)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-N", "-X", "POST", "-H", "Accept: application/x-ndjson",
                             "-H", "Content-Type: application/json", "--data-binary", "@-", url]
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        let began = Date()
        try process.run()
        input.fileHandleForWriting.write(body)
        try input.fileHandleForWriting.close()
        var arrivals: [(line: String, seconds: Double)] = []
        var pending = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            let seconds = Date().timeIntervalSince(began)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                arrivals.append((String(decoding: pending[pending.startIndex..<newline], as: UTF8.self), seconds))
                pending = Data(pending[(newline + 1)...])
            }
        }
        process.waitUntilExit()
        return arrivals
    }
}

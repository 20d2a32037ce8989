import Foundation
import Testing
import VideoTracker

/// NanoTrack through the real binary, the real models and the real video over loopback HTTP,
/// against human-made ground truth; and what happens without its models.
@Suite("NanoTrack")
struct NanoTrackTests {
    @Test("With models, the default tracker is NanoTrack v2 and follows the OTB Crossing pedestrian (mean IoU >= 0.70)")
    func crossingByDefault() async throws {
        let meanIoU = try await meanIoU(video: "crossing.mp4", truth: try TestData.crossingTruth(), frames: 0..<120, tracker: nil)
        #expect(meanIoU >= 0.70, "mean IoU \(meanIoU)")
    }

    @Test("NanoTrack v2 follows PETS09 person 9 through frames 0-149 (mean IoU >= 0.65)")
    func vtestPerson9() async throws {
        let truth = try TestData.personTruth("vtest_id9_frames1-150.txt")
        let meanIoU = try await meanIoU(video: "vtest.avi", truth: truth, frames: 0..<150, tracker: "nanotrack")
        #expect(meanIoU >= 0.65, "mean IoU \(meanIoU)")
    }

    @Test("NanoTrack v3 follows the OTB Crossing pedestrian (mean IoU >= 0.65)")
    func crossingV3() async throws {
        let meanIoU = try await meanIoU(video: "crossing.mp4", truth: try TestData.crossingTruth(), frames: 0..<120,
                                        tracker: "nanotrack-v3")
        #expect(meanIoU >= 0.65, "mean IoU \(meanIoU)")
    }

    @Test("Four PETS09 people tracked on both cores answer exactly as one after another")
    func parallelEqualsSequential() async throws {
        let server = try await Fixtures.shared.videoServer()
        let bbs = try Contract.people("PETS09-S2L1", frame: 100, ids: [9, 11, 13, 15])
        let json = String(decoding: try JSONSerialization.data(withJSONObject: bbs), as: UTF8.self)
        let arguments = ["run", "--url", server.url("vtest.avi"), "--bbs", json, "--start-frame", "100",
                         "--frame-duration", "40", "--models", TestData.models, "--allow-private-networks"]
        let parallel = try await runTracker(arguments)
        let sequential = try await runTracker(arguments + ["--sequential"])
        #expect(parallel.status == 0, "\(parallel.errorOutput)")
        #expect(parallel.output == sequential.output)
        let answer = try #require(try JSONSerialization.jsonObject(with: parallel.stdout) as? [String: [String: Any]])
        #expect(answer.keys.sorted() == ["person-11", "person-13", "person-15", "person-9"])
    }

    @Test("Without NanoTrack's models, asking for it is a 422 naming the missing file; the OpenCV trackers still answer")
    func missingModels() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-models-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let arguments = ["run", "--url", TestData.crossing, "--bbs", #"{"w":[{"x":205,"y":151},{"x":222,"y":201}]}"#,
                         "--start-frame", "0", "--frame-duration", "5", "--models", empty.path]
        let refused = try await runTracker(arguments + ["--tracker", "nanotrack"])
        #expect(refused.status == 2)
        let error = try #require(try JSONSerialization.jsonObject(with: refused.stderr) as? [String: [String: String]])
        #expect(error["error"]?["code"] == "tracker_unavailable")
        #expect(error["error"]?["field"] == "tracker")
        #expect(error["error"]?["message"]?.contains("nanotrack/v2/config.yaml") == true, "\(error)")

        // The default falls back to CSRT, and any OpenCV tracker answers.
        for tracker in [nil, "kcf"] as [String?] {
            let answered = try await runTracker(arguments + (tracker.map { ["--tracker", $0] } ?? []))
            #expect(answered.status == 0, "\(answered.errorOutput)")
            let answer = try #require(try JSONSerialization.jsonObject(with: answered.stdout) as? [String: [String: Any]])
            #expect(answer["w"]?.count == 5)
        }
    }

    @Test("Frames whose best score is under --lost-score are reported lost (null), the start frame echoed")
    func lostScore() async throws {
        let arguments = ["run", "--url", TestData.crossing, "--bbs", #"{"w":[{"x":205,"y":151},{"x":222,"y":201}]}"#,
                         "--start-frame", "0", "--frame-duration", "6", "--models", TestData.models, "--lost", "null"]
        // A softmax score is never above 1: every tracked frame is lost.
        let allLost = try await runTracker(arguments + ["--lost-score", "1.01"])
        #expect(allLost.status == 0, "\(allLost.errorOutput)")
        #expect(allLost.output.contains(#""1":null,"2":null,"3":null,"4":null,"5":null"#), "\(allLost.output)")
        #expect(allLost.output.contains(#""0":[{"x":205,"y":151},{"x":222,"y":201}]"#))
        // The default keeps this well-tracked pedestrian on every frame.
        let kept = try await runTracker(arguments)
        #expect(!kept.output.contains("null"), "\(kept.output)")
    }

    @Test("serve --models: POST /run without a tracker is NanoTrack, the same answer as the CLI's; a service without them answers 422 for it and CSRT by default")
    func service() async throws {
        let server = try await Fixtures.shared.videoServer()
        let fields: [String: Any] = ["item_stream_url": server.url("crossing.mp4"), "bbs": ContractTests.crossingBox,
                                     "start_frame": 0, "frame_duration": 20]
        let cli = try await runTracker(["run", "--url", server.url("crossing.mp4"), "--bbs",
                                        String(decoding: try JSONSerialization.data(withJSONObject: ContractTests.crossingBox), as: UTF8.self),
                                        "--start-frame", "0", "--frame-duration", "20", "--tracker", "nanotrack",
                                        "--models", TestData.models, "--allow-private-networks"])
        #expect(cli.status == 0, "\(cli.errorOutput)")

        let withModels = try await ServiceProcess(arguments: ["--models", TestData.models, "--allow-private-networks"])
        defer { withModels.stop() }
        let tracked = try await withModels.run(fields)
        #expect(tracked.status == 200, "\(tracked.body)")
        #expect(tracked.body.trimmingCharacters(in: .whitespacesAndNewlines) == cli.output.trimmingCharacters(in: .whitespacesAndNewlines))

        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-models-service-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let without = try await ServiceProcess(arguments: ["--models", empty.path, "--allow-private-networks"])
        defer { without.stop() }
        var asking = fields
        asking["tracker"] = "nanotrack-v3"
        let refused = try await without.run(asking)
        #expect(refused.status == 422 && refused.body.contains("tracker_unavailable") && refused.body.contains("nanotrack/v3"),
                "\(refused.body)")
        let csrt = try await without.run(fields)
        #expect(csrt.status == 200 && csrt.body != tracked.body, "\(csrt.body)")
    }

    @Test("A models folder that does not exist is refused at once")
    func modelsFolderMustExist() async throws {
        let result = try await runTracker(["run", "--url", TestData.crossing, "--bbs", #"{"w":[{"x":205,"y":151},{"x":222,"y":201}]}"#,
                                           "--start-frame", "0", "--models", "/nonexistent/models"])
        #expect(result.status != 0)
        #expect(result.errorOutput.contains("/nonexistent/models"))
    }

    /// Mean IoU with the shared models; `tracker` nil is the binary's default.
    private func meanIoU(video: String, truth: [Int: Box], frames: Range<Int>, tracker: String?) async throws -> Double {
        try await trackedMeanIoU(video: video, truth: truth, frames: frames, tracker: tracker,
                                 arguments: ["--models", TestData.models])
    }
}

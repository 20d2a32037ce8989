import Foundation
import Testing
import VideoTracker

/// `video-tracker mot` (the real binary, detector and tracker with their defaults) on the shared MOT
/// sequences, scored against their ground truth by py-motmetrics through Tests/Reference/mot_score.py
/// (MOTChallenge's rules for these MOT15 sequences: conf-0 rows dropped, every track box counted,
/// matches at IoU 0.5), the scorer the bench checks against TrackEval.
@Suite("MOT quality: video-tracker mot against MOTChallenge ground truth")
struct MOTQualityTests {
    struct Score {
        var mota: Double
        var idf1: Double
        var switches: Int
    }

    /// Runs `mot` on `video` and scores its rows; also checks the JSON log's frames are every decoded
    /// frame in order, each track id at most once a frame.
    static func trackAndScore(video: String, sequence: String, frames: Int) async throws -> Score {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = folder.appendingPathComponent("tracks.txt"), json = folder.appendingPathComponent("log.json")
        let run = try await runTracker(["mot", "--url", video, "--models", TestData.models, "--out", rows.path, "--json", json.path])
        #expect(run.status == 0, "\(run.errorOutput)")
        let log = try DetectionLog(json: Data(contentsOf: json))
        #expect(log.frames.map(\.number) == Array(0..<frames), "every frame once, in order")
        for frame in log.frames {
            let ids = frame.detections?.trackIDs ?? []
            #expect(Set(ids).count == ids.count, "frame \(frame.number): an id twice")
        }
        let script = TestData.repoRoot.appendingPathComponent("Tests/Reference/mot_score.py").path
        let scored = try await runProcess(ReferencePython.path,
                                          [script, TestData.path("mot/\(sequence)/gt/gt.txt"), rows.path, "--frames", String(frames)])
        try #require(scored.status == 0, "\(scored.errorOutput)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: scored.stdout) as? [String: Any])
        return Score(mota: try #require(metrics["mota"] as? Double), idf1: try #require(metrics["idf1"] as? Double),
                     switches: try #require(metrics["num_switches"] as? Int))
    }

    @Test("TUD-Stadtmitte, all 179 frames: MOTA >= 0.77, IDF1 >= 0.79 (measured 0.803 / 0.821 at bf16, 0.804 / 0.814 at f32)")
    func tud() async throws {
        let score = try await Self.trackAndScore(video: TestData.tud, sequence: "TUD-Stadtmitte", frames: 179)
        #expect(score.mota >= 0.77, "MOTA \(score.mota)")
        #expect(score.idf1 >= 0.79, "IDF1 \(score.idf1)")
    }

    @Test("PETS09-S2L1 (vtest.avi), all 795 frames: MOTA >= 0.76, IDF1 >= 0.74 (measured 0.792 / 0.790 at bf16, 0.793 / 0.781 at f32)")
    func pets() async throws {
        let score = try await Self.trackAndScore(video: TestData.vtest, sequence: "PETS09-S2L1", frames: 795)
        #expect(score.mota >= 0.76, "MOTA \(score.mota)")
        #expect(score.idf1 >= 0.74, "IDF1 \(score.idf1)")
    }

    @Test("track-detections over detect's log tracks as mot does (the sweep's premise): same frames and ids, boxes within 0.02 px")
    func trackDetectionsEqualsMot() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("detections.json")
        let mot = folder.appendingPathComponent("mot.txt"), replayed = folder.appendingPathComponent("replayed.txt")
        let base = ["--url", TestData.tud, "--models", TestData.models, "--input-size", String(DetectorOptions.trackingInputSize)]
        // Both at the default precision (bf16 where the CPU has it, else f32).
        let detected = try await runTracker(["detect"] + base + ["--format", "json", "--classes", "person", "--score", "0.1",
                                                                 "--detections", log.path])
        #expect(detected.status == 0, "\(detected.errorOutput)")
        let tracked = try await runTracker(["mot"] + base + ["--out", mot.path])
        #expect(tracked.status == 0, "\(tracked.errorOutput)")
        let replay = try await runTracker(["track-detections", "--detections", log.path, "--out", replayed.path])
        #expect(replay.status == 0, "\(replay.errorOutput)")
        func rows(_ file: URL) throws -> [[Double]] {
            try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline).map {
                $0.split(separator: ",").prefix(6).compactMap { Double($0) }
            }
        }
        let (a, b) = (try rows(mot), try rows(replayed))
        #expect(a.count == b.count && a.count > 800, "\(a.count) rows against \(b.count)")
        for (x, y) in zip(a, b) {
            #expect(x[0] == y[0] && x[1] == y[1] && zip(x[2...], y[2...]).allSatisfy { abs($0 - $1) <= 0.02 }, "\(x) vs \(y)")
        }
    }

    @Test("mot: an unknown --track-box, or a --second-match-threshold above 1, is a 400 naming the field, before the video is read",
          arguments: [("--track-box", "mean", "track_box"), ("--second-match-threshold", "1.5", "second_match_threshold")])
    func badTrackerOption(flag: String, value: String, field: String) async throws {
        let run = try await runTracker(["mot", "--url", TestData.tud, "--models", TestData.models, flag, value])
        #expect(run.status == 2, "\(run.errorOutput)")
        #expect(run.errorOutput.contains("\"field\":\"\(field)\""), "\(run.errorOutput)")
    }
}

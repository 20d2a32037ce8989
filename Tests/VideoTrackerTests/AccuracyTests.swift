import Foundation
import Testing
@testable import VideoTracker

/// The real binary over loopback HTTP against human-made ground truth.
@Suite("Tracking accuracy against ground truth")
struct AccuracyTests {
    @Test("CSRT follows the OTB Crossing pedestrian through 120 frames (mean IoU >= 0.65)")
    func crossing() async throws {
        let truth = try TestData.crossingTruth()
        let meanIoU = try await trackedMeanIoU(video: "crossing.mp4", truth: truth, frames: 0..<120)
        #expect(meanIoU >= 0.65, "mean IoU \(meanIoU)")
    }

    @Test("CSRT follows PETS09 person 9 through frames 0-149 of vtest.avi (mean IoU >= 0.70)")
    func vtestPerson9() async throws {
        let truth = try TestData.personTruth("vtest_id9_frames1-150.txt")
        let meanIoU = try await trackedMeanIoU(video: "vtest.avi", truth: truth, frames: 0..<150)
        #expect(meanIoU >= 0.70, "mean IoU \(meanIoU)")
    }

    @Test("csrt-fast follows PETS09 person 13 through frames 100-199, its 35-cell window raised to 36 (mean IoU >= 0.60)")
    func csrtFastRaisedWindow() async throws {
        let truth = try TestData.motTrack("PETS09-S2L1", person: 13)
        let start = try #require(truth[100])
        // The box the request sends, in whole pixels, has a slow grid at padding 2 that csrt-fast raises.
        #expect(try #require(TrackerKind.csrtFast.csrtTuning(for: start)).padding > 2)
        let meanIoU = try await trackedMeanIoU(video: "vtest.avi", truth: truth, frames: 100..<200, tracker: "csrt-fast")
        #expect(meanIoU >= 0.60, "mean IoU \(meanIoU)")
    }

    /// TUD-Stadtmitte people entering the picture: their first ground-truth box is cut at the
    /// frame's edge (640 x 480), so the box a person draws hangs over it. Drawn here as the person's
    /// full width (from their first box wholly inside), the inner edge where the ground truth has
    /// it. Clipping it first, as before, CSRT kept 0.13 mean IoU on person 8, csrt-fast 0.17, and
    /// KCF 0.08 on person 10; tracked as drawn, 0.41, 0.36 and 0.15 (answers clipped, as the
    /// ground truth is).
    @Test("a start box hanging over the frame's edge is tracked as drawn",
          arguments: [(person: 8, tracker: "csrt", floor: 0.30), (person: 8, tracker: "csrt-fast", floor: 0.27),
                      (person: 10, tracker: "kcf", floor: 0.12)])
    func edgeEntering(person: Int, tracker: String, floor: Double) async throws {
        let truth = try TestData.motTrack("TUD-Stadtmitte", person: person)
        let first = try #require(truth.keys.min()), last = try #require(truth.keys.max())
        let cut = try #require(truth[first])
        let width = 640.0
        let inside = try #require(truth.keys.sorted().first { truth[$0]!.left >= 4 && truth[$0]!.right <= width - 4 })
        let fullWidth = truth[inside]!.width
        let drawn = cut.left <= 1
            ? Box(left: cut.right - fullWidth, top: cut.top, right: cut.right, bottom: cut.bottom)
            : Box(left: cut.left, top: cut.top, right: cut.left + fullWidth, bottom: cut.bottom)
        #expect(drawn.left < -10 || drawn.right > width + 10, "person \(person)'s box overhangs: \(drawn)")
        let meanIoU = try await trackedMeanIoU(video: "tud.mp4", truth: truth, frames: first..<(last + 1),
                                               tracker: tracker, start: drawn)
        #expect(meanIoU >= floor, "person \(person), \(tracker): mean IoU \(meanIoU)")
    }
}

/// Mean IoU of the real binary's answer over `frames` (served over loopback HTTP), from the first
/// frame's ground-truth box or `start`, a frame left out (lost) counting as 0. `tracker` nil leaves
/// the choice to the binary.
func trackedMeanIoU(video: String, truth: [Int: Box], frames: Range<Int>, tracker: String? = "csrt",
                    start given: Box? = nil, arguments extra: [String] = []) async throws -> Double {
    let server = try await Fixtures.shared.videoServer()
    let start = try #require(given ?? truth[frames.lowerBound])
    let boxes = try JSONSerialization.data(withJSONObject: ["p": TestData.boxJSON(start)])
    let result = try await runTracker([
        "run", "--url", server.url(video), "--bbs", String(decoding: boxes, as: UTF8.self),
        "--start-frame", String(frames.lowerBound), "--frame-duration", String(frames.count),
        "--allow-private-networks",
    ] + (tracker.map { ["--tracker", $0] } ?? []) + extra)
    #expect(result.status == 0, "\(result.errorOutput)")
    let answer = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: [String: Any]])
    let tracked = try #require(answer["p"])
    var total = 0.0
    for frame in frames {
        guard let expected = truth[frame], let box = Contract.box(tracked["\(frame)"]) else { continue }
        total += box.intersectionOverUnion(expected)
    }
    return total / Double(frames.count)
}

/// Reading the contract's JSON back in tests.
enum Contract {
    static func box(_ value: Any?) -> Box? {
        guard let points = value as? [[String: Double]], points.count == 2,
              let left = points[0]["x"], let top = points[0]["y"], let right = points[1]["x"], let bottom = points[1]["y"]
        else { return nil }
        return Box(left: left, top: top, right: right, bottom: bottom)
    }

    /// The person boxes of a MOT sequence on `frame`, as a `bbs` object keyed "person-<id>".
    static func people(_ sequence: String, frame: Int, ids: [Int]) throws -> [String: Any] {
        let boxes = try TestData.motBoxes(sequence, frame: frame)
        var bbs: [String: Any] = [:]
        for id in ids {
            guard let box = boxes[id] else { throw TestFailure("no ground truth for \(id) on frame \(frame)") }
            bbs["person-\(id)"] = TestData.boxJSON(box)
        }
        return bbs
    }
}

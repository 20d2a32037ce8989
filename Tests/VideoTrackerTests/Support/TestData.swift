import Foundation
import VideoTracker

/// Paths into `../shared/testdata` (beside the repo) and its ground truth.
enum TestData {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The shared models folder (nanotrack/v2, nanotrack/v3, yolox_nano).
    static let models = path("models")

    static let crossing = path("sot/Crossing/Crossing.mp4")
    static let vtest = path("video/vtest.avi")
    static let tud = path("mot/TUD-Stadtmitte/TUD-Stadtmitte.mp4")

    /// Ground truth by decoded frame index: OTB lines are frame k-1, MOT-style rows frame N-1.
    static func crossingTruth() throws -> [Int: Box] {
        let text = try String(contentsOfFile: path("sot/Crossing/groundtruth_rect.txt"), encoding: .utf8)
        var truth: [Int: Box] = [:]
        for (index, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let values = line.split(whereSeparator: { $0 == "," || $0 == "\t" || $0 == " " }).compactMap { Double($0) }
            if values.count == 4 { truth[index] = Box(x: values[0], y: values[1], width: values[2], height: values[3]) }
        }
        return truth
    }

    /// `sot/from_mot/*.txt`: `frame,x,y,w,h` with 1-based frames.
    static func personTruth(_ file: String) throws -> [Int: Box] {
        let text = try String(contentsOfFile: path("sot/from_mot/\(file)"), encoding: .utf8)
        var truth: [Int: Box] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let values = line.split(separator: ",").compactMap { Double($0) }
            if values.count == 5 { truth[Int(values[0]) - 1] = Box(x: values[1], y: values[2], width: values[3], height: values[4]) }
        }
        return truth
    }

    /// MOT ground truth: boxes of every person on decoded frame `frame`, by track id.
    static func motBoxes(_ sequence: String, frame: Int) throws -> [Int: Box] {
        Dictionary(uniqueKeysWithValues: try motLabels(sequence).filter { $0.frame == frame }.map { ($0.person, $0.box) })
    }

    /// One person's boxes of a MOT sequence, by decoded frame index.
    static func motTrack(_ sequence: String, person: Int) throws -> [Int: Box] {
        Dictionary(uniqueKeysWithValues: try motLabels(sequence).filter { $0.person == person }.map { ($0.frame, $0.box) })
    }

    /// Every labelled box of a MOT sequence, grouped by decoded frame index.
    static func motBoxesByFrame(_ sequence: String) throws -> [Int: [Box]] {
        Dictionary(grouping: try motLabels(sequence), by: \.frame).mapValues { $0.map(\.box) }
    }

    /// Every labelled box of a MOT sequence (rows marked "ignore" left out), frames as decoded indices.
    private static func motLabels(_ sequence: String) throws -> [(frame: Int, person: Int, box: Box)] {
        let text = try String(contentsOfFile: path("mot/\(sequence)/gt/gt.txt"), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            let values = line.split(separator: ",").compactMap { Double($0) }
            guard values.count >= 7, values[6] != 0 else { return nil }
            return (Int(values[0]) - 1, Int(values[1]), Box(x: values[2], y: values[3], width: values[4], height: values[5]))
        }
    }

    /// The contract's box JSON for a request.
    static func boxJSON(_ box: Box) -> [[String: Double]] {
        [["x": box.left, "y": box.top], ["x": box.right, "y": box.bottom]]
    }
}

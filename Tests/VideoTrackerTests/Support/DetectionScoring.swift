import Foundation
@testable import VideoTracker

/// Person detections scored against MOT ground truth as MOTChallenge scores detections: per frame,
/// detections and labelled boxes are paired one to one by the Hungarian method on 1 - IoU, pairs under
/// IoU 0.5 not allowed. A detection paired with a person is a true positive, one paired with an
/// "ignore" region (ground-truth rows of conf 0) counts neither way, one left over is a false positive,
/// and a person left over is a miss.
struct DetectionScore: CustomStringConvertible {
    var truePositives = 0
    var falsePositives = 0
    var misses = 0
    var ignored = 0
    var frames = 0

    var precision: Double { Double(truePositives) / Double(max(1, truePositives + falsePositives)) }
    var recall: Double { Double(truePositives) / Double(max(1, truePositives + misses)) }
    var description: String {
        String(format: "P %.4f R %.4f (TP %d, FP %d, FN %d, ignored %d, %d frames)",
               precision, recall, truePositives, falsePositives, misses, ignored, frames)
    }

    static let minimumIoU = 0.5

    /// Scores the detected frames of `log` (class `person`, score >= `minimumScore`) against `truth`.
    static func persons(in log: DetectionLog, truth: MOTTruth, minimumScore: Float) -> DetectionScore {
        let person = log.classNames.firstIndex(of: "person")
        var score = DetectionScore()
        for frame in log.frames {
            guard let detections = frame.detections else { continue }
            let found = detections.boxes.indices
                .filter { detections.classIDs[$0] == person && detections.scores[$0] >= minimumScore }
                .map { detections.boxes[$0] }
            score.add(found: found, people: truth.people[frame.number] ?? [], ignore: truth.ignore[frame.number] ?? [])
        }
        return score
    }

    mutating func add(found: [Box], people: [Box], ignore: [Box]) {
        frames += 1
        let labelled = people + ignore
        let pairs = optimalPairs(found, labelled)
        let toPeople = pairs.filter { $0.1 < people.count }.count
        truePositives += toPeople
        ignored += pairs.count - toPeople
        falsePositives += found.count - pairs.count
        misses += people.count - toPeople
    }
}

/// A MOT ground truth by decoded frame (MOT frame - 1): the people, and the ignore regions.
struct MOTTruth {
    var people: [Int: [Box]] = [:]
    var ignore: [Int: [Box]] = [:]

    init(sequence: String) throws {
        let text = try String(contentsOfFile: TestData.path("mot/\(sequence)/gt/gt.txt"), encoding: .utf8)
        for line in text.split(whereSeparator: \.isNewline) {
            let values = line.split(separator: ",").compactMap { Double($0) }
            guard values.count >= 7 else { continue }
            let box = Box(x: values[2], y: values[3], width: values[4], height: values[5])
            if values[6] == 0 {
                ignore[Int(values[0]) - 1, default: []].append(box)
            } else {
                people[Int(values[0]) - 1, default: []].append(box)
            }
        }
    }
}

/// Pairs (index in `a`, index in `b`) with IoU >= 0.5 minimising the sum of 1 - IoU among the
/// pairings with the most pairs (a pair under 0.5 costs more than any number of allowed ones).
/// The matrix is padded to a square with forbidden cells, so a padded or forbidden pair is no pair.
func optimalPairs(_ a: [Box], _ b: [Box]) -> [(Int, Int)] {
    guard !a.isEmpty, !b.isEmpty else { return [] }
    let forbidden = 1e6
    let n = max(a.count, b.count)
    var cost = [Double](repeating: forbidden, count: n * n)
    for i in a.indices {
        for j in b.indices {
            let iou = a[i].intersectionOverUnion(b[j])
            if iou >= DetectionScore.minimumIoU { cost[i * n + j] = 1 - iou }
        }
    }
    return Matching.hungarian(size: n, cost: cost).enumerated().compactMap { i, j in
        i < a.count && j < b.count && cost[i * n + j] < forbidden ? (i, j) : nil
    }
}

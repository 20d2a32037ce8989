import Foundation
import VideoTracker

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
func optimalPairs(_ a: [Box], _ b: [Box]) -> [(Int, Int)] {
    guard !a.isEmpty, !b.isEmpty else { return [] }
    let forbidden = 1e6
    let cost = a.map { box in
        b.map { other in
            let iou = box.intersectionOverUnion(other)
            return iou >= DetectionScore.minimumIoU ? 1 - iou : forbidden
        }
    }
    if a.count > b.count {
        let transposed = b.indices.map { j in a.indices.map { cost[$0][j] } }
        return hungarian(transposed).enumerated().compactMap { j, i in
            i >= 0 && cost[i][j] < forbidden ? (i, j) : nil
        }
    }
    return hungarian(cost).enumerated().compactMap { i, j in j >= 0 && cost[i][j] < forbidden ? (i, j) : nil }
}

/// The Hungarian method (Kuhn-Munkres with potentials) for a rows <= columns cost matrix: the column
/// of each row in an assignment of least total cost.
func hungarian(_ cost: [[Double]]) -> [Int] {
    let rows = cost.count, columns = cost[0].count
    precondition(rows <= columns)
    var u = [Double](repeating: 0, count: rows + 1), v = [Double](repeating: 0, count: columns + 1)
    var owner = [Int](repeating: 0, count: columns + 1), way = [Int](repeating: 0, count: columns + 1)
    for row in 1...rows {
        owner[0] = row
        var column = 0
        var smallest = [Double](repeating: .infinity, count: columns + 1)
        var used = [Bool](repeating: false, count: columns + 1)
        repeat {
            used[column] = true
            let current = owner[column]
            var delta = Double.infinity
            var next = 0
            for j in 1...columns where !used[j] {
                let reduced = cost[current - 1][j - 1] - u[current] - v[j]
                if reduced < smallest[j] {
                    smallest[j] = reduced
                    way[j] = column
                }
                if smallest[j] < delta {
                    delta = smallest[j]
                    next = j
                }
            }
            for j in 0...columns {
                if used[j] {
                    u[owner[j]] += delta
                    v[j] -= delta
                } else {
                    smallest[j] -= delta
                }
            }
            column = next
        } while owner[column] != 0
        repeat {
            let previous = way[column]
            owner[column] = owner[previous]
            column = previous
        } while column != 0
    }
    var assignment = [Int](repeating: -1, count: rows)
    for j in 1...columns where owner[j] != 0 { assignment[owner[j] - 1] = j - 1 }
    return assignment
}

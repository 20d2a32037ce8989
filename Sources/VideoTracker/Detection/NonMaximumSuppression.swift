/// Class-wise non-maximum suppression: within each class, boxes are taken from the highest score
/// down, and a box overlapping one already taken by more than the threshold (intersection over
/// union) is the same object seen again and dropped. Boxes of different classes never suppress each
/// other (YOLOX's class-aware `multiclass_nms`; the overlap without its legacy +1 pixel, which
/// suits boxes in fractional pixels).
public enum NonMaximumSuppression {
    /// The indices kept, highest score first (ties: the lower index first, so the result is fixed).
    public static func keep(boxes: [Box], scores: [Float], classIDs: [Int], iouThreshold: Double) -> [Int] {
        precondition(boxes.count == scores.count && boxes.count == classIDs.count, "NMS: arrays of unequal length")
        let order = boxes.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        var keptByClass: [Int: [Int]] = [:]
        var kept: [Int] = []
        for index in order {
            let taken = keptByClass[classIDs[index], default: []]
            if taken.contains(where: { boxes[$0].intersectionOverUnion(boxes[index]) > iouThreshold }) { continue }
            keptByClass[classIDs[index], default: []].append(index)
            kept.append(index)
        }
        return kept
    }

    /// The detections kept, in the order of `keep`.
    public static func apply(to detections: Detections, iouThreshold: Double) -> Detections {
        let kept = keep(boxes: detections.boxes, scores: detections.scores, classIDs: detections.classIDs,
                        iouThreshold: iouThreshold)
        return Detections(boxes: kept.map { detections.boxes[$0] }, scores: kept.map { detections.scores[$0] },
                          classIDs: kept.map { detections.classIDs[$0] },
                          trackIDs: detections.trackIDs.map { ids in kept.map { ids[$0] } })
    }
}

/// The objects of one frame, index-aligned: box `i` has score `i`, class `i` and, once a
/// multi-object tracker has run, track id `i`. The one value every stage after the models passes
/// on (as supervision's `Detections`): the detector makes it, the tracker adds ids, and drawing,
/// encoding, the output formats and the store read it.
public struct Detections: Sendable, Equatable {
    /// Boxes in the frame's pixels (not clipped to whole pixels).
    public var boxes: [Box]
    /// Confidence in 0...1: for YOLOX, objectness times class probability.
    public var scores: [Float]
    /// Index into the detector's class names (`ClassNames`).
    public var classIDs: [Int]
    /// Track ids, nil until a tracker has assigned them.
    public var trackIDs: [Int]?

    public init(boxes: [Box] = [], scores: [Float] = [], classIDs: [Int] = [], trackIDs: [Int]? = nil) {
        precondition(boxes.count == scores.count && boxes.count == classIDs.count, "Detections: arrays of unequal length")
        precondition(trackIDs.map { $0.count == boxes.count } ?? true, "Detections: track ids of another length")
        self.boxes = boxes
        self.scores = scores
        self.classIDs = classIDs
        self.trackIDs = trackIDs
    }

    public static let empty = Detections()

    public var count: Int { boxes.count }
    public var isEmpty: Bool { boxes.isEmpty }

    /// The detections whose index passes `isIncluded`, in order.
    public func filter(_ isIncluded: (Int) -> Bool) -> Detections {
        let kept = boxes.indices.filter(isIncluded)
        return Detections(boxes: kept.map { boxes[$0] }, scores: kept.map { scores[$0] },
                          classIDs: kept.map { classIDs[$0] }, trackIDs: trackIDs.map { ids in kept.map { ids[$0] } })
    }

    /// Appends another frame's detections (same class names); track ids stay only if both have them.
    public mutating func append(contentsOf other: Detections) {
        trackIDs = trackIDs.flatMap { mine in other.trackIDs.map { mine + $0 } } ?? (isEmpty ? other.trackIDs : nil)
        boxes += other.boxes
        scores += other.scores
        classIDs += other.classIDs
    }
}

/// One frame of a video's detection run. `detections` is nil for a frame the detector skipped
/// (`every` > 1): its objects are unknown, not absent, and the outputs say so.
public struct DetectedFrame: Sendable, Equatable {
    /// Decoded frame index, 0-based (the MOT and COCO outputs write it 1-based).
    public var number: Int
    public var detections: Detections?

    public init(number: Int, detections: Detections?) {
        self.number = number
        self.detections = detections
    }
}

import Dispatch

/// All trackers of one request, updated together on each frame: in parallel on all cores
/// (each tracker is independent, so the result equals running them one after another).
final class TrackerGroup: @unchecked Sendable {
    private let trackers: [ObjectTracker]
    private var failed: [Bool]
    private let parallel: Bool
    /// Why a tracker stopped for good, by annotation index.
    private(set) var failures: [Int: String] = [:]

    init(kind: TrackerKind, count: Int, parallel: Bool) throws {
        trackers = try (0..<count).map { _ in try ObjectTracker(kind: kind) }
        failed = Array(repeating: false, count: count)
        self.parallel = parallel
    }

    /// Starts every tracker on its box; returns the index and reason of the first that refuses.
    func start(on frame: FrameBuffer, boxes: [Box]) -> (index: Int, reason: String)? {
        let outcomes = run { index in trackers[index].start(on: frame, box: boxes[index]) }
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .located: continue
            case .lost: return (index, "the tracker found nothing to follow in this box")
            case .failed(let reason): return (index, reason)
            }
        }
        return nil
    }

    /// For each frame in order, one box per tracker (nil where it lost its object). Each tracker
    /// goes through the frames in order on its own thread; trackers run in parallel.
    func update(on frames: [FrameBuffer]) -> [[Box?]] {
        guard !frames.isEmpty else { return [] }
        let frameCount = frames.count
        var results = [Box?](repeating: nil, count: trackers.count * frameCount)
        var failures = [String?](repeating: nil, count: trackers.count)
        let alreadyFailed = failed
        results.withUnsafeMutableBufferPointer { resultSlots in
            failures.withUnsafeMutableBufferPointer { failureSlots in
                // Each tracker writes only its own row and its own failure slot.
                let rows = Slots(buffer: resultSlots), reasons = Slots(buffer: failureSlots)
                forEachTracker { index in
                    guard !alreadyFailed[index] else { return }
                    for (position, frame) in frames.enumerated() {
                        switch self.trackers[index].update(on: frame) {
                        case .located(let box): rows.buffer[index * frameCount + position] = box
                        case .lost: continue
                        case .failed(let reason):
                            reasons.buffer[index] = reason
                            return  // not used again; its later frames stay lost
                        }
                    }
                }
            }
        }
        for (index, reason) in failures.enumerated() {
            if let reason {
                failed[index] = true
                self.failures[index] = reason
            }
        }
        return (0..<frameCount).map { position in
            (0..<trackers.count).map { results[$0 * frameCount + position] }
        }
    }

    private func forEachTracker(_ body: @Sendable (Int) -> Void) {
        if !parallel || trackers.count < 2 {
            for index in trackers.indices { body(index) }
        } else {
            DispatchQueue.concurrentPerform(iterations: trackers.count, execute: body)
        }
    }

    private func run(_ body: @Sendable (Int) -> ObjectTracker.Outcome) -> [ObjectTracker.Outcome] {
        var outcomes = [ObjectTracker.Outcome](repeating: .lost, count: trackers.count)
        outcomes.withUnsafeMutableBufferPointer { results in
            // Each tracker writes its own slot, so the shared buffer needs no lock.
            let slots = Slots(buffer: results)
            forEachTracker { index in slots.buffer[index] = body(index) }
        }
        return outcomes
    }
}

private struct Slots<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
}

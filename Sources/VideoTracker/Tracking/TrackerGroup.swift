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

    /// One box per tracker, nil where it lost its object.
    func update(on frame: FrameBuffer) -> [Box?] {
        let outcomes = run { index in failed[index] ? .lost : trackers[index].update(on: frame) }
        return outcomes.enumerated().map { index, outcome in
            switch outcome {
            case .located(let box): return box
            case .lost: return nil
            case .failed(let reason):
                failed[index] = true
                failures[index] = reason
                return nil
            }
        }
    }

    private func run(_ body: @Sendable (Int) -> ObjectTracker.Outcome) -> [ObjectTracker.Outcome] {
        var outcomes = [ObjectTracker.Outcome](repeating: .lost, count: trackers.count)
        if !parallel || trackers.count < 2 {
            for index in trackers.indices { outcomes[index] = body(index) }
            return outcomes
        }
        outcomes.withUnsafeMutableBufferPointer { results in
            // Each iteration writes its own slot, so the shared buffer needs no lock.
            let slots = Slots(buffer: results)
            DispatchQueue.concurrentPerform(iterations: trackers.count) { index in
                slots.buffer[index] = body(index)
            }
        }
        return outcomes
    }
}

private struct Slots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<ObjectTracker.Outcome>
}

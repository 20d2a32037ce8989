import Dispatch
import Foundation

/// All trackers of one request, run over a stream of frames: in parallel on all cores, each
/// tracker going through the frames in order on its own (so the result equals running them one
/// after another), none waiting for the others except when the window of frames held is full.
final class TrackerGroup: @unchecked Sendable {
    private let trackers: [any SingleObjectTracker]
    private let parallel: Bool
    /// Why each tracker stopped for good, if it did; each tracker writes only its own slot.
    private let failureReasons: UnsafeMutableBufferPointer<String?>

    /// How a run over the frames ended.
    enum End {
        /// The frame source had no more frames.
        case framesEnded
        case stopped(StopReason)
        /// The frame source failed; the frames it gave before were all tracked and reported.
        case sourceFailed(Error)
    }

    init(trackers: [any SingleObjectTracker], parallel: Bool) {
        self.trackers = trackers
        self.parallel = parallel && trackers.count > 1
        failureReasons = .allocate(capacity: trackers.count)
        failureReasons.initialize(repeating: nil)
    }

    deinit {
        failureReasons.deinitialize()
        failureReasons.deallocate()
    }

    /// Why a tracker stopped for good, by annotation index.
    var failures: [Int: String] {
        Dictionary(uniqueKeysWithValues: failureReasons.enumerated().compactMap { index, reason in reason.map { (index, $0) } })
    }

    /// Starts every tracker on its box; returns the index and reason of the first that refuses.
    func start(on frame: FrameBuffer) -> (index: Int, reason: String)? {
        var outcomes = [TrackerOutcome](repeating: .lost, count: trackers.count)
        outcomes.withUnsafeMutableBufferPointer { results in
            // Each tracker writes its own slot, so the shared buffer needs no lock.
            let slots = Slots(buffer: results)
            if parallel {
                DispatchQueue.concurrentPerform(iterations: trackers.count) { slots.buffer[$0] = trackers[$0].start(on: frame) }
            } else {
                for index in trackers.indices { slots.buffer[index] = trackers[index].start(on: frame) }
            }
        }
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .located: continue
            case .lost: return (index, "the tracker found nothing to follow in this box")
            case .failed(let reason): return (index, reason)
            }
        }
        return nil
    }

    /// Tracks every frame `nextFrame` gives until it gives nil, throws, or `stopReason` says
    /// stop, calling `onFrame` on this thread in frame order with one box per tracker (nil where
    /// it lost its object) once every tracker is through that frame. At most `window` frames are
    /// held at once; each is handed to `onFrame` and never touched after.
    func track(window: Int, nextFrame: () throws -> FrameBuffer?, stopReason: () -> StopReason?,
               onFrame: (FrameBuffer, [Box?]) -> Void) -> End {
        parallel
            ? FrameWindow(trackers: self, capacity: max(1, window)).run(nextFrame: nextFrame, stopReason: stopReason, onFrame: onFrame)
            : trackInOrder(nextFrame: nextFrame, stopReason: stopReason, onFrame: onFrame)
    }

    /// One tracker after another on each frame, on this thread.
    private func trackInOrder(nextFrame: () throws -> FrameBuffer?, stopReason: () -> StopReason?,
                              onFrame: (FrameBuffer, [Box?]) -> Void) -> End {
        while true {
            if let reason = stopReason() { return .stopped(reason) }
            let frame: FrameBuffer?
            do { frame = try nextFrame() } catch { return .sourceFailed(error) }
            guard let frame else { return .framesEnded }
            onFrame(frame, trackers.indices.map { index in
                if case .located(let box) = update(index, on: frame) { box } else { nil }
            })
        }
    }

    /// Runs tracker `index` on one frame. One that fails is not used again (it stays lost); only
    /// one thread at a time may update a given tracker.
    fileprivate func update(_ index: Int, on frame: FrameBuffer) -> TrackerOutcome {
        guard failureReasons[index] == nil else { return .lost }
        let outcome = trackers[index].update(on: frame)
        if case .failed(let reason) = outcome { failureReasons[index] = reason }
        return outcome
    }

    fileprivate var count: Int { trackers.count }
}

/// The frames a parallel run holds, and the threads that track them.
///
/// One thread per core (at most one per tracker) each takes the tracker furthest behind that has
/// a frame to do, so trackers move through the frames nearly together and the oldest frame is
/// soon done, yet none waits for the others at any frame: only a full window stops the leaders.
/// Threads of their own, not Dispatch's pool: they wait for frames, and ten requests at once
/// must not queue behind each other's waiting workers.
private final class FrameWindow: @unchecked Sendable {
    private final class Slot {
        let frame: FrameBuffer
        var boxes: [Box?]
        init(frame: FrameBuffer, trackers: Int) {
            self.frame = frame
            boxes = Array(repeating: nil, count: trackers)
        }
    }

    private let group: TrackerGroup
    private let capacity: Int
    private let condition = NSCondition()
    // All below are guarded by `condition`.
    private var slots: [Slot] = []
    /// The sequence number of `slots[0]`.
    private var base = 0
    /// The sequence number of each tracker's next frame; Int.max once it failed.
    private var next: [Int]
    private var busy: [Bool]
    /// No more frames will be added.
    private var sourceEnded = false
    /// Stop taking frames; the run is ending.
    private var stopping = false
    private var runningWorkers = 0

    init(trackers group: TrackerGroup, capacity: Int) {
        self.group = group
        self.capacity = capacity
        next = Array(repeating: 0, count: group.count)
        busy = Array(repeating: false, count: group.count)
    }

    func run(nextFrame: () throws -> FrameBuffer?, stopReason: () -> StopReason?,
             onFrame: (FrameBuffer, [Box?]) -> Void) -> TrackerGroup.End {
        startWorkers(min(group.count, max(1, ProcessInfo.processInfo.activeProcessorCount)))
        var end: TrackerGroup.End?
        var ended = false
        while true {
            for slot in takeFinished() { onFrame(slot.frame, slot.boxes) }
            if end == nil, let reason = stopReason() { end = .stopped(reason) }
            if case .stopped = end { break }
            if !ended && held < capacity {
                do {
                    if let frame = try nextFrame() { add(frame) } else { ended = true }
                } catch {
                    ended = true
                    end = .sourceFailed(error)
                }
                if ended { endSource() }
                continue
            }
            if ended && held == 0 { break }
            waitForProgress()
        }
        // The workers finish the frame in hand and leave; every frame all trackers are through
        // is reported, frames only some are through are not (a tracker's boxes are all or none).
        condition.lock()
        stopping = true
        condition.broadcast()
        while runningWorkers > 0 { condition.wait() }
        condition.unlock()
        for slot in takeFinished() { onFrame(slot.frame, slot.boxes) }
        return end ?? .framesEnded
    }

    private func startWorkers(_ count: Int) {
        condition.lock()
        runningWorkers = count
        condition.unlock()
        for number in 0..<count {
            // The thread holds the window until it leaves, which `run` waits for.
            let thread = Thread { [self] in work() }
            thread.name = "video-tracker.track.\(number)"
            thread.start()
        }
    }

    private var held: Int {
        condition.lock()
        defer { condition.unlock() }
        return slots.count
    }

    private func add(_ frame: FrameBuffer) {
        condition.lock()
        slots.append(Slot(frame: frame, trackers: group.count))
        condition.broadcast()
        condition.unlock()
    }

    private func endSource() {
        condition.lock()
        sourceEnded = true
        condition.broadcast()
        condition.unlock()
    }

    /// One worker: again and again, the idle tracker furthest behind takes its next frame.
    private func work() {
        condition.lock()
        while true {
            let end = base + slots.count
            var chosen: Int?
            for index in next.indices where !busy[index] && next[index] < end {
                if chosen == nil || next[index] < next[chosen!] { chosen = index }
            }
            guard let index = chosen, !stopping else {
                if stopping || (sourceEnded && next.allSatisfy { $0 >= end }) { break }
                condition.wait()
                continue
            }
            busy[index] = true
            let slot = slots[next[index] - base]
            condition.unlock()
            // The slot stays until this tracker is through it, so its frame is safe to read unlocked.
            let outcome = group.update(index, on: slot.frame)
            condition.lock()
            busy[index] = false
            switch outcome {
            case .located(let box):
                slot.boxes[index] = box
                next[index] += 1
            case .lost:
                next[index] += 1
            case .failed:
                next[index] = .max  // not used again; its later frames stay lost
            }
            condition.broadcast()
        }
        runningWorkers -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the oldest frame is done.
    private func waitForProgress() {
        condition.lock()
        defer { condition.unlock() }
        guard let slowest = next.min(), slowest <= base, !slots.isEmpty else { return }
        condition.wait()
    }

    /// Removes the frames every tracker is through, oldest first.
    private func takeFinished() -> [Slot] {
        condition.lock()
        defer { condition.unlock() }
        let done = min(slots.count, max(0, (next.min() ?? .max) - base))
        guard done > 0 else { return [] }
        let finished = Array(slots.prefix(done))
        slots.removeFirst(done)
        base += done
        return finished
    }
}

private struct Slots<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
}

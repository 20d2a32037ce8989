import Foundation

/// Passes sampled frames from a camera's reading thread to its processing thread through a short
/// queue, with the buffers they are decoded into. A live stream's frame pushes out the oldest
/// waiting one when the queue is full (reading never waits, so the socket is drained as the stream
/// plays, and the output stays at most a queue behind live); the queue absorbs bursts (HLS delivers
/// a segment's frames at once). A file's frame waits for room (every frame is processed). Buffers
/// come back for reuse, so a camera holds at most the queue's length plus two, however long it runs.
final class FrameHandoff: @unchecked Sendable {
    /// A sampled frame's facts, apart from its picture.
    struct Stamp {
        var time: Int64
        var index: Int64
        var streamSeconds: Double?
        var isLive: Bool
    }

    private struct Item {
        var image: FrameBuffer
        var stamp: Stamp
    }

    private let condition = NSCondition()
    private let capacity: Int
    private var pending: [Item] = []
    private var free: [FrameBuffer] = []
    private var finished = false
    private var stopped = false
    private var dropped = 0
    private var made = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// A buffer for a `width` x `height` frame: a returned one when one fits.
    func buffer(width: Int, height: Int, make: () -> FrameBuffer) -> FrameBuffer {
        condition.lock()
        // A stream that changed size leaves buffers of the old size: they are let go.
        free.removeAll { $0.width != width || $0.height != height }
        let reused = free.popLast()
        if reused == nil { made += 1 }
        condition.unlock()
        return reused ?? make()
    }

    /// Hands over a frame, taking `image` from the caller (set to nil under the lock, so the
    /// reading thread never holds a picture the processing thread has: see `recycle`);
    /// `replacing`: when the queue is full its oldest frame is dropped for this one, else this
    /// waits for room. False once stopped (the frame was not handed over).
    @discardableResult
    func put(_ image: inout FrameBuffer?, _ stamp: Stamp, replacing: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if replacing, pending.count >= capacity {
            free.append(pending.removeFirst().image)
            dropped += 1
        }
        while pending.count >= capacity && !stopped { condition.wait() }
        if stopped { return false }
        guard let given = image else { return false }
        image = nil
        pending.append(Item(image: given, stamp: stamp))
        condition.broadcast()
        return true
    }

    /// The next frame: its picture into `image` (so that the caller's variable is its only
    /// holder here, see `recycle`) and its facts; nil once finished and taken, or stopped.
    func next(into image: inout FrameBuffer?) -> Stamp? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !finished && !stopped { condition.wait() }
        guard !stopped, !pending.isEmpty else { return nil }
        let item = pending.removeFirst()
        image = item.image
        condition.broadcast()
        return item.stamp
    }

    func recycle(_ buffer: FrameBuffer) {
        condition.lock()
        free.append(buffer)
        condition.unlock()
    }

    /// No more frames: `next` returns nil after the last.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Both sides return at once, for good.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    var buffersMade: Int {
        condition.lock()
        defer { condition.unlock() }
        return made
    }

    var droppedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }
}

import Foundation

/// Decodes on its own thread a few frames ahead of tracking, into a small ring of reused
/// buffers: decoding overlaps tracking, and memory stays flat however many frames are tracked.
final class FramePipeline: @unchecked Sendable {
    private let decoder: VideoDecoder
    private let startFrame: Int
    private let endFrame: Int
    private let depth: Int

    private let condition = NSCondition()
    private var ready: [FrameBuffer] = []
    private var free: [FrameBuffer] = []
    private var allocated = 0
    private var finished = false
    private var stopped = false
    private var failure: Error?
    private var decoding = Duration.zero

    /// Time the decoding thread spent seeking, decoding and converting so far (not waiting for buffers).
    var decodeTime: Duration {
        condition.lock()
        defer { condition.unlock() }
        return decoding
    }

    /// Frames `startFrame ..< endFrame`; `depth` buffers at most.
    init(decoder: VideoDecoder, from startFrame: Int, until endFrame: Int, depth: Int) {
        self.decoder = decoder
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.depth = max(2, depth)
    }

    func start() {
        // The thread holds the pipeline until it ends; the pipeline must not hold the thread
        // (a Thread keeps its closure, so that would be a cycle leaking decoder and buffers).
        let thread = Thread { [self] in produce() }
        thread.name = "video-tracker.decode"
        thread.start()
    }

    /// The next frame in order, nil after the last; blocks while the decoder is behind.
    func next() throws -> FrameBuffer? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty { return ready.removeFirst() }
        if let failure { throw failure }
        return nil
    }

    /// Hands a buffer back for reuse.
    func recycle(_ buffer: FrameBuffer) {
        condition.lock()
        free.append(buffer)
        condition.signal()
        condition.unlock()
    }

    /// Stops decoding; the thread ends at its next frame (or when its transfer aborts).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func produce() {
        let clock = ContinuousClock()
        do {
            var began = clock.now
            var number = try decoder.seek(toFrame: startFrame)
            while let current = number, current < endFrame {
                var spent = clock.now - began
                guard let buffer = takeBuffer() else { break }
                began = clock.now
                decoder.convert(into: buffer, number: current)
                spent += clock.now - began
                condition.lock()
                ready.append(buffer)
                decoding += spent
                condition.signal()
                condition.unlock()
                began = clock.now
                number = try decoder.nextFrame()
            }
        } catch {
            condition.lock()
            failure = error
            condition.unlock()
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func takeBuffer() -> FrameBuffer? {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && allocated >= depth && !stopped { condition.wait() }
        if stopped { return nil }
        if let buffer = free.popLast() { return buffer }
        allocated += 1
        return decoder.makeBuffer()
    }
}

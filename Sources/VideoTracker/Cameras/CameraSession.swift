import CVideoTracker
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One camera, processed continuously: its stream read, sampled down to the camera's rate,
/// people (or the classes named) detected and tracked, each processed frame delivered to `sink`,
/// and the connection kept up: a failed, stalled or ended live stream is reconnected after a
/// backoff, a file ends at its last frame.
///
/// Two threads of its own (libav, OpenVINO and the callbacks never run on Swift's concurrency
/// threads): one reads and decodes the stream as it comes and samples it; one detects, tracks and
/// calls `sink`. The tracker lives as long as the session, so a person keeps their id across a
/// short drop, and the time a drop lasted ages the lost tracks (`ByteTracker`'s buffer is in time).
public final class CameraSession: @unchecked Sendable {
    public let url: String
    public let options: CameraSessionOptions
    private let detector: ObjectDetector
    /// Which detector class ids are kept; nil: all.
    private let keptClasses: Set<Int>?
    private let sink: @Sendable (CameraFrame) -> Void
    private let onStatus: @Sendable (CameraStatus) -> Void

    private let interrupt: StreamInterrupt
    private let handoff: FrameHandoff
    private let threads = DispatchGroup()
    private let processingDone = DispatchSemaphore(value: 0)
    private let state = NSCondition()
    private var started = false
    private var stopRequested = false
    private var processingFailure: String?
    private var tally = CameraCounters()
    private var recentFrames: [ContinuousClock.Instant] = []
    private var threadIDs: Set<ObjectIdentifier> = []

    /// Frames kept for the recent frame rate.
    private static let rateWindow = 30
    /// A connection that delivered frames this long was a good one: the backoff starts again.
    private static let goodConnection: Duration = .seconds(10)

    /// `detector`: shared between cameras (it is compiled once; each `detect` borrows a request of
    /// its own); made with the tracking input size (640) and a score floor at ByteTrack's low score
    /// (0.1), as `mot` makes it. `sink` gets each processed frame and `onStatus` each status, both
    /// on the session's threads, in order; neither is called after `stop` returns.
    public init(url: String, detector: ObjectDetector, options: CameraSessionOptions,
                sink: @escaping @Sendable (CameraFrame) -> Void,
                onStatus: @escaping @Sendable (CameraStatus) -> Void) throws {
        try options.validate()
        self.url = url
        self.options = options
        self.detector = detector
        keptClasses = try options.classes.map { Set(try detector.classNames.ids(of: $0)) }
        self.sink = sink
        self.onStatus = onStatus
        interrupt = StreamInterrupt(stallTimeout: options.stallTimeout)
        handoff = FrameHandoff(capacity: options.queueLength)
    }

    /// Starts reading (once); statuses and frames follow on the session's threads.
    public func start() {
        state.lock()
        defer { state.unlock() }
        guard !started, !stopRequested else { return }
        started = true
        threads.enter()
        threads.enter()
        // The threads hold the session until they end; `stop` ends them.
        let reader = Thread { [self] in
            register()
            read()
            threads.leave()
        }
        reader.name = "video-tracker.camera.read"
        let processor = Thread { [self] in
            register()
            process()
            processingDone.signal()
            threads.leave()
        }
        processor.name = "video-tracker.camera.process"
        processor.start()
        reader.start()
    }

    /// Ends the session promptly: a blocking read or connect is interrupted at once, a detection in
    /// flight finishes. Returns when both threads have ended (blocking: call it off Swift's
    /// cooperative threads, or accept a wait of one detection). No callback follows.
    /// Called from the sink or status callback, it only asks (the threads end after it returns).
    public func stop() {
        state.lock()
        stopRequested = true
        let wasStarted = started
        let isOwnThread = threadIDs.contains(ObjectIdentifier(Thread.current))
        state.broadcast()
        state.unlock()
        interrupt.stop()
        handoff.stop()
        if wasStarted && !isOwnThread { threads.wait() }
    }

    /// Picture buffers allocated so far (a few, however long it runs, unless the sink keeps pictures).
    var buffersAllocated: Int { handoff.buffersMade }

    public var counters: CameraCounters {
        state.lock()
        defer { state.unlock() }
        var counters = tally
        counters.framesDropped = handoff.droppedCount
        return counters
    }

    /// Stopped, or processing failed (which ends the session too).
    private var isStopping: Bool {
        state.lock()
        defer { state.unlock() }
        return stopRequested || processingFailure != nil
    }

    private func register() {
        state.lock()
        threadIDs.insert(ObjectIdentifier(Thread.current))
        state.unlock()
    }

    private func report(_ status: CameraStatus) {
        state.lock()
        let stopped = stopRequested
        state.unlock()
        if !stopped { onStatus(status) }
    }

    // MARK: - Reading

    /// Connects, reads and reconnects until the end of a file, a permanent failure or `stop`.
    private func read() {
        var backoff = ReconnectBackoff()
        var sampler = FrameSampler(framesPerSecond: options.framesPerSecond)
        var lastTime: Int64?
        var everLive = false
        report(.connecting)
        while !isStopping {
            var reason: String
            var connectedAt: ContinuousClock.Instant?
            do {
                interrupt.progressed()
                let source = try open()
                let start = options.fileStartTime ?? source.creationTime ?? Self.now()
                var clock = CaptureClock(mode: source.kind == .live ? .live : .file(startMicroseconds: start), after: lastTime)
                while let streamSeconds = try source.next() {
                    interrupt.progressed()
                    if connectedAt == nil {
                        connectedAt = .now
                        everLive = true
                        report(.live)
                    }
                    state.lock()
                    tally.framesRead += 1
                    state.unlock()
                    guard let time = clock.time(streamSeconds: streamSeconds, now: Self.now()) else { continue }
                    lastTime = time
                    guard let index = sampler.keep(time: time) else { continue }
                    let decoder = source.decoder
                    var image: FrameBuffer? = handoff.buffer(width: decoder.width, height: decoder.height) { decoder.makeBuffer() }
                    decoder.convert(into: image!, number: Int(index))
                    let stamp = FrameHandoff.Stamp(time: time, index: index, streamSeconds: streamSeconds, isLive: source.kind == .live)
                    guard handoff.put(&image, stamp, replacing: source.kind == .live) else { break }
                }
                if isStopping { break }
                if let error = source.decoder.readError {
                    reason = interrupt.didTimeOut ? "no data for \(Self.seconds(options.stallTimeout)) s"
                        : "reading failed: \(VideoDecoder.describe(error))"
                    if source.kind == .file {
                        finishFailed(reason)
                        return
                    }
                } else if source.kind == .file {
                    // Every frame delivered before the file is said to have ended.
                    handoff.finish()
                    processingDone.wait()
                    if let failure = failureOfProcessing() { report(.failed(reason: failure)) } else { report(.ended) }
                    return
                } else {
                    reason = "the stream ended"
                }
            } catch let failure as VideoDecoder.OpenFailure {
                if !everLive, Self.isPermanent(failure.code, url: url) {
                    finishFailed(failure.message)
                    return
                }
                reason = interrupt.didTimeOut ? "no answer for \(Self.seconds(options.stallTimeout)) s" : failure.message
            } catch let failure as TrackingError {
                if !everLive, failure.code == "not_a_video" {
                    finishFailed(failure.message)
                    return
                }
                reason = failure.message
            } catch {
                reason = "\(error)"
            }
            if isStopping { break }
            if let connectedAt {
                state.lock()
                tally.reconnects += 1
                state.unlock()
                if ContinuousClock.now - connectedAt >= Self.goodConnection { backoff.reset() }
            }
            report(.reconnecting(reason: reason))
            wait(seconds: backoff.delay())
        }
        // A processing failure stops the session from the other thread: said here, once.
        if let failure = failureOfProcessing() {
            handoff.stop()
            report(.failed(reason: failure))
        }
    }

    /// Opens the URL probing briefly, and again as libavformat would by default when that did not
    /// find the video (its first keyframe came later).
    private func open() throws -> CameraSource {
        let kind: CameraSource.Kind? = options.sourceKind.map { $0 == .live ? .live : .file }
        do {
            return try CameraSource(url: url, kind: kind, interrupt: interrupt, quickProbe: true)
        } catch let failure as TrackingError where failure.code == "not_a_video" {
            interrupt.progressed()
            return try CameraSource(url: url, kind: kind, interrupt: interrupt, quickProbe: false)
        }
    }

    private func finishFailed(_ reason: String) {
        handoff.stop()
        report(.failed(reason: reason))
    }

    private func failureOfProcessing() -> String? {
        state.lock()
        defer { state.unlock() }
        return processingFailure
    }

    /// Sleeps between attempts; `stop` wakes it.
    private func wait(seconds: Double) {
        let until = Date(timeIntervalSinceNow: seconds)
        state.lock()
        while !stopRequested && processingFailure == nil && state.wait(until: until) {}
        state.unlock()
    }

    /// Failures that no retry mends, when the camera never worked: a missing local file, a
    /// protocol libav does not have, an option it refuses, bytes that are not a video.
    private static func isPermanent(_ code: Int32, url: String) -> Bool {
        let isLocalPath = !url.contains("://")
        if code == -ENOENT && isLocalPath { return true }
        return code == Self.errorTag(0xF8, "P", "R", "O") || code == Self.errorTag("I", "N", "D", "A") || code == -EINVAL
    }

    /// libav's FFERRTAG (a function-like macro, so not visible to Swift).
    private static func errorTag(_ a: Unicode.Scalar, _ b: Unicode.Scalar, _ c: Unicode.Scalar, _ d: Unicode.Scalar) -> Int32 {
        -Int32(bitPattern: a.value | b.value << 8 | c.value << 16 | d.value << 24)
    }

    private static func errorTag(_ a: UInt32, _ b: Unicode.Scalar, _ c: Unicode.Scalar, _ d: Unicode.Scalar) -> Int32 {
        -Int32(bitPattern: a | b.value << 8 | c.value << 16 | d.value << 24)
    }

    // MARK: - Processing

    /// Detects every `detectEvery`-th frame handed over, tracks, and delivers every frame.
    private func process() {
        let trackerRate = options.framesPerSecond / Double(options.detectEvery)
        let tracker = MultiObjectTracker(options: options.tracking, framesPerSecond: trackerRate,
                                         firstTrackID: options.firstTrackID)
        var processed = 0
        var lastTick: Int64?
        var image: FrameBuffer?
        while let stamp = handoff.next(into: &image) {
            var detections: Detections?
            if processed % options.detectEvery == 0 {
                let found: Detections
                do {
                    found = try detector.detect(image!)
                } catch {
                    failProcessing("detection failed: \(error)")
                    return
                }
                let kept = keptClasses.map { classes in found.filter { classes.contains(found.classIDs[$0]) } } ?? found
                // The tracker's frames are counted by capture time: frames never seen (a reconnect,
                // frames dropped while busy) age its tracks as if it had seen them empty.
                let tick = FrameSampler.index(of: stamp.time, framesPerSecond: trackerRate)
                let elapsed = lastTick.map { Int(max(1, tick - $0)) } ?? 1
                lastTick = tick
                detections = tracker.update(kept, elapsedFrames: elapsed)
            }
            processed += 1
            sink(CameraFrame(timeMicroseconds: stamp.time, index: stamp.index, streamSeconds: stamp.streamSeconds,
                             detections: detections, image: image!))
            record(stamp)
            // A buffer the sink kept is the sink's; only one nobody else holds is decoded into again
            // (`image` is its one holder here: no other variable is bound to it).
            if isKnownUniquelyReferenced(&image), let buffer = image { handoff.recycle(buffer) }
            image = nil
        }
    }

    private func record(_ item: FrameHandoff.Stamp) {
        let now = ContinuousClock.now
        let lag = item.isLive ? max(0, Double(Self.now() - item.time) / 1_000_000) : 0
        state.lock()
        defer { state.unlock() }
        tally.framesProcessed += 1
        tally.lastFrameTime = item.time
        recentFrames.append(now)
        if recentFrames.count > Self.rateWindow { recentFrames.removeFirst() }
        if let first = recentFrames.first, recentFrames.count > 1 {
            let span = (now - first) / .seconds(1)
            tally.framesPerSecond = span > 0 ? Double(recentFrames.count - 1) / span : 0
        }
        tally.lagSeconds = lag
    }

    private func failProcessing(_ reason: String) {
        state.lock()
        processingFailure = reason
        state.broadcast()
        state.unlock()
        interrupt.stop()
        handoff.stop()
    }

    static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }

    private static func seconds(_ duration: Duration) -> String {
        let value = duration / .seconds(1)
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}

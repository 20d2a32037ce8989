import Foundation

/// One tracking request from URL to boxes: open the byte stream, decode from the keyframe
/// before `start_frame`, start a tracker per box on that frame and update them all on every
/// frame after it, reporting each frame as soon as it is tracked.
///
/// `run` blocks (libcurl, libav and OpenCV are blocking C calls); `events()` runs it on a
/// thread of its own so that no Swift concurrency thread is ever blocked.
public final class TrackingJob: @unchecked Sendable {
    public let request: TrackRequest
    public let options: TrackingOptions
    /// The tracker that runs: the one asked for, or the service's default.
    public let tracker: TrackerKind
    private let stopSignal: StopSignal

    public init(request: TrackRequest, options: TrackingOptions) {
        self.request = request
        self.options = options
        tracker = request.tracker ?? options.models.defaultTracker
        stopSignal = StopSignal(deadline: options.deadline)
    }

    /// Ends the job at its next frame (the caller went away).
    public func cancel() { stopSignal.cancel() }

    public var ids: [String] { request.annotations.map(\.id) }

    /// Runs the job on the calling thread, calling `onFrame` for each frame in order.
    /// Throws only when nothing could be tracked; later failures end it early, marked partial.
    public func run(onFrame: (FrameUpdate) -> Void) throws -> TrackingSummary {
        let began = ContinuousClock.now
        options.models.prepare(tracker)
        let decoder = try VideoDecoder(source: try openSource(), decoderThreads: options.decoderThreads)
        let startBoxes = try checkedBoxes(width: decoder.width, height: decoder.height)

        // Trackers may run up to `window` frames apart (at most ~24 MiB of pixels held), so one
        // that is slow on a frame does not hold the others back; the decoder runs ahead of that.
        let frameBytes = max(1, decoder.width * decoder.height * 3)
        let window = options.parallel && startBoxes.count > 1 ? max(1, min(8, (24 << 20) / frameBytes)) : 1
        let pipeline = FramePipeline(decoder: decoder, from: request.startFrame, until: request.endFrame,
                                     depth: window + options.prefetchFrames)
        pipeline.start()
        defer { pipeline.stop() }

        guard let first = try pipeline.next() else {
            let count = decoder.estimatedFrameCount.map { "; the video has \($0) frames (0 to \($0 - 1))" } ?? ""
            throw TrackingError.unprocessable("start_frame", code: "start_frame_past_end",
                                              "start_frame \(request.startFrame) is past the end of the video\(count)")
        }
        let trackers = TrackerGroup(trackers: try options.models.makeTrackers(kind: tracker, boxes: startBoxes),
                                    parallel: options.parallel)
        if let refusal = trackers.start(on: first) {
            let field = "bbs.\(request.annotations[refusal.index].id)"
            throw TrackingError.unprocessable(field, code: "tracker_refused_box",
                                              "the \(tracker.rawValue) tracker could not start on \(field): \(refusal.reason)")
        }
        pipeline.recycle(first)

        var lostFrames = Array(repeating: 0, count: startBoxes.count)
        var framesTracked = 1
        let duration = Double(request.frameDuration)
        // The start frame echoes the given boxes, as the contract says, clipped like every box in the answer.
        onFrame(FrameUpdate(frame: request.startFrame,
                            boxes: startBoxes.map { $0.clipped(width: decoder.width, height: decoder.height) },
                            progress: 1 / duration))

        var stopReason = StopReason.completed
        var detail: String?
        let end = trackers.track(window: window, nextFrame: { try pipeline.next() },
                                 stopReason: { stopSignal.reason }) { buffer, boxes in
            let number = buffer.number
            pipeline.recycle(buffer)
            for (index, box) in boxes.enumerated() where box == nil { lostFrames[index] += 1 }
            framesTracked += 1
            onFrame(FrameUpdate(frame: number, boxes: boxes,
                                progress: min(1, Double(number - request.startFrame + 1) / duration)))
        }
        switch end {
        case .framesEnded:
            if framesTracked < request.frameDuration { stopReason = .videoEnded }
        case .stopped(let reason):
            stopReason = reason
        case .sourceFailed(let error):
            // Work done is never thrown away: a failure after the first frame ends the job early,
            // once the frames that did arrive are tracked.
            stopReason = stopSignal.reason ?? .upstreamFailed
            detail = (error as? TrackingError)?.message ?? "\(error)"
        }
        if detail == nil, !trackers.failures.isEmpty {
            detail = trackers.failures.sorted { $0.key < $1.key }
                .map { "tracker for \(request.annotations[$0.key].id) failed: \($0.value)" }.joined(separator: "; ")
        }

        return TrackingSummary(
            framesTracked: framesTracked, framesRequested: request.frameDuration, stopReason: stopReason,
            detail: detail, lostFrames: lostFrames, seconds: (ContinuousClock.now - began).seconds,
            framesDecoded: decoder.framesDecoded, bytesFetched: decoder.bytesFetched,
            videoWidth: decoder.width, videoHeight: decoder.height, framesPerSecond: decoder.clock.framesPerSecond)
    }

    /// Runs the job on its own thread; the stream ends with `.finished` or the error.
    /// Ending the stream early (the consumer went away) cancels the job.
    public func events() -> AsyncThrowingStream<TrackingEvent, Error> {
        let (stream, continuation) = AsyncThrowingStream<TrackingEvent, Error>.makeStream()
        continuation.onTermination = { [stopSignal] termination in
            if case .cancelled = termination { stopSignal.cancel() }
        }
        let thread = Thread { [self] in
            do {
                let summary = try run { continuation.yield(.frame($0)) }
                continuation.yield(.finished(summary))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.name = "video-tracker.job"
        thread.start()
        return stream
    }

    // MARK: - Steps

    private func openSource() throws -> ByteSource {
        let url = request.url
        let lower = url.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            var http = HTTPSourceOptions()
            http.headers = request.headers
            http.destinations = options.destinations
            http.connectTimeoutSeconds = options.connectTimeoutSeconds
            http.stallTimeoutSeconds = options.stallTimeoutSeconds
            http.shouldAbort = { [stopSignal] in stopSignal.reason != nil }
            return try HTTPByteSource(url: url, options: http)
        }
        if options.allowLocalFiles && !url.contains("://") {
            return try FileByteSource(path: url)
        }
        throw TrackingError.invalid("item_stream_url", "item_stream_url must be an http:// or https:// URL")
    }

    /// The start boxes as drawn: one hanging over the frame's edge (a person entering or
    /// leaving the picture) is tracked as drawn, the tracker seeing the frame padded by the
    /// overhang, since clipping it would change its size and aspect. A box wholly outside the
    /// frame, or reaching more than half the frame's width (height) past an edge, is refused:
    /// each such tracker holds a padded copy of every frame, which must stay within 4 frames.
    private func checkedBoxes(width: Int, height: Int) throws -> [Box] {
        try request.annotations.map { annotation in
            let field = "bbs.\(annotation.id)"
            let box = annotation.box
            let clipped = box.clipped(width: width, height: height)
            guard clipped.width >= 1, clipped.height >= 1 else {
                throw TrackingError.unprocessable(field, code: "box_outside_frame",
                    "\(field) \(ContractJSON.boxJSON(box)) lies outside the \(width)x\(height) frame")
            }
            let overhang = max(-box.left, box.right - Double(width), 0) / Double(width)
            let overhangDown = max(-box.top, box.bottom - Double(height), 0) / Double(height)
            guard overhang <= 0.5, overhangDown <= 0.5 else {
                throw TrackingError.unprocessable(field, code: "box_outside_frame",
                    "\(field) \(ContractJSON.boxJSON(box)) reaches more than half the \(width)x\(height) frame's width or height past its edge")
            }
            return box
        }
    }
}

/// Cancellation and the deadline, read from the tracking and decoding threads.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private let deadline: ContinuousClock.Instant?

    init(deadline: ContinuousClock.Instant?) { self.deadline = deadline }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    var reason: StopReason? {
        lock.lock()
        defer { lock.unlock() }
        if cancelled { return .cancelled }
        if let deadline, ContinuousClock.now >= deadline { return .deadline }
        return nil
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

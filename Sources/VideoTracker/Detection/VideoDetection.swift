import Foundation

/// What a video's detection run does beyond the detector's own options.
public struct VideoDetectionOptions: Sendable {
    public var detector = DetectorOptions()
    /// Detect on every `every`-th decoded frame (the first always); the frames between are logged
    /// as skipped (`detections == nil`).
    public var every = 1
    /// Where to write the video with every object boxed (H.264 MP4), if anywhere.
    public var videoOutput: String? = nil
    /// How that video is encoded.
    public var encoder = EncoderOptions()
    /// Link detections into tracks (ByteTrack, each class apart); nil: detections only.
    public var tracking: ByteTrackOptions? = nil
    /// Frames detected at once (each on an infer request of its own: the throughput mode's streams).
    public var framesInFlight = 2

    public init() {}

    public func validate() throws {
        try detector.validate()
        guard every >= 1 else {
            throw TrackingError.invalid("every", "every must be 1 (every frame) or more (every n-th frame); got \(every)")
        }
        try tracking?.validate()
        guard EncoderOptions.presets.contains(encoder.preset) else {
            throw TrackingError.invalid("video_preset", "video_preset must be one of x264's presets ("
                                        + EncoderOptions.presets.joined(separator: ", ") + "); got \(encoder.preset)")
        }
    }
}

/// How far a run is: frames decoded and logged so far, of the container's estimate.
public struct DetectionProgress: Sendable, Equatable {
    public var framesDone: Int
    /// The container's frame count or duration times the frame rate; nil when it gives neither.
    public var framesTotal: Int?

    public init(framesDone: Int, framesTotal: Int?) {
        self.framesDone = framesDone
        self.framesTotal = framesTotal
    }
}

/// Where a run's time went: each stage's time summed over its frames (the stages overlap: decoding
/// and detecting run on threads of their own, and detection on several frames at once).
public struct DetectionStageTimes: Sendable, Equatable {
    /// Seeking, decoding and converting to BGR, on the decoding thread.
    public var decode = Duration.zero
    /// The detector's calls (letterbox, inference, decoding the grid, NMS), on the detecting threads.
    public var detect = Duration.zero
    /// The multi-object tracker's updates.
    public var track = Duration.zero
    /// Drawing and encoding the annotated video, when there is one.
    public var annotate = Duration.zero

    public init() {}
}

/// Detection over a whole video: decodes from the first frame to the last (a thread decoding ahead,
/// as tracking does), detects on every `every`-th frame and logs every frame.
public final class VideoDetection: @unchecked Sendable {
    public let options: VideoDetectionOptions
    public let detector: ObjectDetector
    private let lock = NSLock()
    private var cancelled = false
    private var times = DetectionStageTimes()

    /// The last run's time by stage (complete once `run` returned).
    public var stageTimes: DetectionStageTimes { lock.withLock { times } }

    /// Checks the options and loads the detector from `models` (blocking: compiles the model).
    public init(models: String, options: VideoDetectionOptions) throws {
        try options.validate()
        self.options = options
        detector = try ObjectDetector(models: models, options: options.detector)
    }

    /// The detector's class names by class id.
    public var classNames: [String] { detector.classNames.names }

    /// Detects through the video in `source` (named `name` in the outputs), calling `progress` after
    /// each frame, and writes the annotated video when the options name one (with the audio of
    /// `source`, read again from its start once decoding is done). Blocking: run it on a thread of
    /// its own. Throws when the video cannot be read or written, or `cancelled` after `cancel()`.
    ///
    /// A pipeline on every core: a thread decodes ahead; `framesInFlight` threads detect frames at
    /// once; this thread takes their results in frame order, tracks, draws and encodes (x264 has
    /// threads of its own), and hands each buffer back for decoding.
    public func run(source: ByteSource, name: String, progress: (DetectionProgress) -> Void) throws -> DetectionLog {
        let decoder = try VideoDecoder(source: source)
        var log = DetectionLog(video: DetectionLog.Video(width: decoder.width, height: decoder.height,
                                                         framesPerSecond: decoder.clock.framesPerSecond, name: name),
                               classNames: classNames)
        let encoder = try options.videoOutput.map {
            try VideoEncoder(path: $0, width: decoder.width, height: decoder.height, frameRate: decoder.frameRate,
                             options: options.encoder)
        }
        let annotator = Annotator(classNames: classNames)
        // The tracker sees every `every`-th frame: its clock runs at that rate.
        let tracker = options.tracking.map {
            MultiObjectTracker(options: $0, framesPerSecond: decoder.clock.framesPerSecond / Double(options.every))
        }
        // Tracks drawn with a trail of their last second (at least 10 positions).
        var trails = TrackTrails(length: max(10, Int(decoder.clock.framesPerSecond.rounded())))
        let workers = max(1, options.framesInFlight)
        let pipeline = FramePipeline(decoder: decoder, from: 0, until: .max, depth: workers + 3)
        let results = OrderedResults()
        pipeline.start()
        defer {
            results.stop()
            pipeline.stop()
        }
        for _ in 0..<workers {
            let thread = Thread { [self] in detectFrames(from: pipeline, into: results) }
            thread.name = "video-tracker.detect"
            thread.start()
        }
        lock.withLock { times = DetectionStageTimes() }
        defer {
            let decoding = pipeline.decodeTime
            lock.withLock { times.decode = decoding }
        }
        let clock = ContinuousClock()
        while let (frame, detections) = try results.next() {
            if isCancelled {
                throw TrackingError(.unprocessable, code: "cancelled", "detection was cancelled after \(log.frames.count) frames")
            }
            var began = clock.now
            let objects = detections.map { tracker?.update($0) ?? $0 }
            let tracking = clock.now - began
            began = clock.now
            if let encoder {
                if tracker != nil, let objects {
                    trails.update(with: objects)
                    try annotator.draw(trails, on: frame)
                }
                if let objects { try annotator.draw(objects, on: frame) }
                try encoder.write(frame)
            }
            let annotating = clock.now - began
            lock.withLock {
                times.track += tracking
                times.annotate += annotating
            }
            // The number before the buffer goes back: the decoder refills it at once.
            log.frames.append(DetectedFrame(number: frame.number, detections: objects))
            pipeline.recycle(frame)
            progress(DetectionProgress(framesDone: log.frames.count, framesTotal: decoder.estimatedFrameCount))
        }
        try encoder?.finish(copyingAudioFrom: source)
        return log
    }

    /// A detecting thread: takes the next frame and its position, detects when the position is a
    /// multiple of `every` (by position, not frame number: a video whose numbers skip still gets
    /// every n-th frame), and files the result under the position.
    private func detectFrames(from pipeline: FramePipeline, into results: OrderedResults) {
        while true {
            let taken: (position: Int, frame: FrameBuffer)?
            do {
                taken = try results.take { try pipeline.next() }
            } catch {
                results.fail(error)
                return
            }
            guard let (position, frame) = taken else {
                results.finish()
                return
            }
            do {
                let began = ContinuousClock.now
                let detections = position % options.every == 0 ? try detector.detect(frame) : nil
                let detecting = ContinuousClock.now - began
                lock.withLock { times.detect += detecting }
                results.put(position, frame, detections)
            } catch {
                results.fail(error)
                return
            }
        }
    }

    /// Ends a run at its next frame (it throws `cancelled`).
    public func cancel() {
        lock.withLock { cancelled = true }
    }

    private var isCancelled: Bool { lock.withLock { cancelled } }
}

extension VideoDetection {
    /// A video's name for the outputs: the last part of its path, without a URL's query or fragment
    /// (`https://host/videos/a.mp4?jwt=...` is `a.mp4`).
    public static func videoName(for url: String) -> String {
        var path = Substring(url)
        if url.hasPrefix("http://") || url.hasPrefix("https://") {
            path = path.prefix { $0 != "?" && $0 != "#" }
        }
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty ? "video" : name
    }
}

/// Frames detected out of order by several threads, handed out in order. Positions are given out
/// together with frames (under one lock), so position n is the n-th decoded frame.
private final class OrderedResults: @unchecked Sendable {
    private let condition = NSCondition()
    private let dispatch = NSLock()
    private var nextPosition = 0
    private var nextOut = 0
    private var done: [Int: (FrameBuffer, Detections?)] = [:]
    /// Positions given out in all: known once a thread found the decoder's end.
    private var total: Int?
    private var failure: Error?
    private var stopped = false

    /// The next frame from `source` with its position; nil at the end or after a stop. Threads take
    /// one at a time (a lock of its own: waiting for the decoder must not hold up the consumer).
    func take(_ source: () throws -> FrameBuffer?) throws -> (Int, FrameBuffer)? {
        dispatch.lock()
        defer { dispatch.unlock() }
        condition.lock()
        let ended = stopped || failure != nil || total != nil
        condition.unlock()
        if ended { return nil }
        let frame = try source()
        condition.lock()
        defer { condition.unlock() }
        guard let frame else {
            total = nextPosition
            condition.broadcast()
            return nil
        }
        nextPosition += 1
        return (nextPosition - 1, frame)
    }

    func put(_ position: Int, _ frame: FrameBuffer, _ detections: Detections?) {
        condition.lock()
        done[position] = (frame, detections)
        condition.broadcast()
        condition.unlock()
    }

    func fail(_ error: Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// A thread found nothing more to take (the end is recorded by `take`).
    func finish() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Lets waiting threads go: the consumer left.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The frame at the next position in order, nil after the last; throws a thread's failure.
    func next() throws -> (FrameBuffer, Detections?)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if let result = done.removeValue(forKey: nextOut) {
                nextOut += 1
                return result
            }
            if let total, nextOut >= total { return nil }
            condition.wait()
        }
    }
}

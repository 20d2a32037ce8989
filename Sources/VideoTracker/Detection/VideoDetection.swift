import Foundation

/// What a video's detection run does beyond the detector's own options.
public struct VideoDetectionOptions: Sendable {
    public var detector = DetectorOptions()
    /// Detect on every `every`-th decoded frame (the first always); the frames between are logged
    /// as skipped (`detections == nil`).
    public var every = 1
    /// Where an annotated video would be written (not yet used).
    public var videoOutput: String? = nil

    public init() {}

    public func validate() throws {
        try detector.validate()
        guard every >= 1 else {
            throw TrackingError.invalid("every", "every must be 1 (every frame) or more (every n-th frame); got \(every)")
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

/// Detection over a whole video: decodes from the first frame to the last (a thread decoding ahead,
/// as tracking does), detects on every `every`-th frame and logs every frame.
public final class VideoDetection: @unchecked Sendable {
    public let options: VideoDetectionOptions
    public let detector: ObjectDetector
    private let lock = NSLock()
    private var cancelled = false

    /// Checks the options and loads the detector from `models` (blocking: compiles the model).
    public init(models: String, options: VideoDetectionOptions) throws {
        try options.validate()
        self.options = options
        detector = try ObjectDetector(models: models, options: options.detector)
    }

    /// The detector's class names by class id.
    public var classNames: [String] { detector.classNames.names }

    /// Detects through the video in `source` (named `name` in the outputs), calling `progress` after
    /// each frame. Blocking: run it on a thread of its own. Throws when the video cannot be read,
    /// or `cancelled` after `cancel()`.
    public func run(source: ByteSource, name: String, progress: (DetectionProgress) -> Void) throws -> DetectionLog {
        let decoder = try VideoDecoder(source: source)
        var log = DetectionLog(video: DetectionLog.Video(width: decoder.width, height: decoder.height,
                                                         framesPerSecond: decoder.clock.framesPerSecond, name: name),
                               classNames: classNames)
        let pipeline = FramePipeline(decoder: decoder, from: 0, until: .max, depth: 3)
        pipeline.start()
        defer { pipeline.stop() }
        while let frame = try pipeline.next() {
            defer { pipeline.recycle(frame) }
            if isCancelled {
                throw TrackingError(.unprocessable, code: "cancelled", "detection was cancelled after \(log.frames.count) frames")
            }
            // By position, not frame number: a video whose numbers skip still gets every n-th frame.
            let detections = log.frames.count % options.every == 0 ? try detector.detect(frame) : nil
            log.frames.append(DetectedFrame(number: frame.number, detections: detections))
            progress(DetectionProgress(framesDone: log.frames.count, framesTotal: decoder.estimatedFrameCount))
        }
        return log
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

import ArgumentParser
import Foundation
import VideoTracker

/// The detector's flags, the same for `detect` and `mot` (and the jobs' form fields).
struct DetectionFlags: ParsableArguments {
    @Option(help: "Keep boxes scoring at least this (0 to 1; default: 0.3 for detect, 0.1 for mot, whose tracker uses low scores).")
    var score: Double?
    @Option(help: ArgumentHelp("Keep only these classes, comma-separated names from coco.names.", valueName: "person,car"))
    var classes: String?
    @Option(help: "Detect on every n-th frame only; the frames between are logged as not detected.") var every = 1
    @Option(help: ArgumentHelp("The square the detector sees frames at: a multiple of 32, larger finds smaller objects, slower "
                               + "(default: \(DetectorOptions.defaultInputSize) for detect, \(DetectorOptions.trackingInputSize) for mot)."))
    var inputSize: Int?
    @Option(help: ArgumentHelp("Write the video with every object boxed, named and scored here (H.264 MP4, the input's audio copied).",
                               valueName: "out.mp4"))
    var video: String?
    @Option(help: "x264's preset for --video: \(EncoderOptions.presets.joined(separator: ", ")).")
    var videoPreset = EncoderOptions().preset

    /// The run's options; `defaultScore`, `defaultClasses` and `defaultInputSize` when the flags leave them out,
    /// and the precision `DetectorOptions.defaultPrecision` gives when `--inference-precision` does not.
    func options(models: ModelOptions, defaultScore: Double, defaultClasses: [String]? = nil,
                 defaultInputSize: Int = DetectorOptions.defaultInputSize) throws -> VideoDetectionOptions {
        var options = VideoDetectionOptions()
        options.every = every
        options.videoOutput = video
        options.encoder.preset = videoPreset
        options.detector.inputSize = inputSize ?? defaultInputSize
        options.detector.scoreThreshold = score ?? defaultScore
        options.detector.classes = classes.map { $0.split(separator: ",").map(String.init) } ?? defaultClasses
        options.detector.inference = try models.inferenceOptions(
            defaultPrecision: DetectorOptions.defaultPrecision)
        return options
    }
}

extension DetectionFlags {
    /// Detects (and tracks, when the options say) through the video at `url` with a progress bar on
    /// a terminal: what `detect` and `mot` share.
    static func run(url: String, options: VideoDetectionOptions, models: ModelOptions,
                    upstream: UpstreamOptions) throws -> (log: DetectionLog, times: DetectionStageTimes) {
        guard let directory = try models.modelsDirectory() else {
            throw TrackingError(.unprocessable, code: "detector_unavailable",
                                "the detector needs a models folder (--models DIR or VIDEO_TRACKER_MODELS) holding "
                                + "\(ObjectDetector.modelFile) and \(ObjectDetector.namesFile)")
        }
        try options.validate()  // before the video is opened: a bad option fails at once
        let began = ContinuousClock.now
        let detection = try VideoDetection(models: directory, options: options)
        let bar = ProgressBar(total: 0)
        var lastFrames = 0
        let log = try detection.run(source: try upstream.source(for: url), name: VideoDetection.videoName(for: url)) { progress in
            lastFrames = progress.framesDone
            let fraction = progress.framesTotal.map { min(1, Double(progress.framesDone) / Double(max(1, $0))) } ?? 0
            bar.show(frame: progress.framesDone - 1, progress: fraction)
        }
        let detected = log.frames.filter { $0.detections != nil }.count
        bar.finish(String(format: "%d frames (%d detected) in %.1f s", lastFrames, detected,
                          (ContinuousClock.now - began) / .seconds(1)))
        return (log, detection.stageTimes)
    }

    /// Writes `data` to `path` (whole or not at all), or to standard output when `path` is nil.
    static func write(_ data: Data, to path: String?, field: String) throws {
        guard let path else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TrackingError(.unprocessable, code: "output_unwritable", "cannot write \(path): \(error.localizedDescription)",
                                field: field)
        }
    }
}

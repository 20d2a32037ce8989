import ArgumentParser
import Foundation
import VideoTracker

/// Object detection over a whole video (YOLOX-Nano from the models folder), written as JSON, MOT
/// rows or COCO: what a detection job stores and serves, from the command line.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect objects on every frame of a video (YOLOX-Nano) and write them as JSON, MOT rows or COCO.",
        discussion: "Needs yolox_nano/yolox_nano.onnx and yolox_nano/coco.names in the models folder. "
            + "Errors are printed as {\"error\": {...}} on stderr, with a non-zero exit status.")

    @Option(help: "Video URL (http or https), or a local file path.") var url: String
    @Option(help: ArgumentHelp("Write the detections to this file (default: standard output).", valueName: "file"))
    var detections: String?
    @Option(help: "Output format: \(DetectionFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format = DetectionFormat.json.rawValue
    @Option(help: "Keep boxes scoring at least this (0 to 1).") var score = DetectorOptions().scoreThreshold
    @Option(help: ArgumentHelp("Keep only these classes, comma-separated names from coco.names (default: all).",
                               valueName: "person,car"))
    var classes: String?
    @Option(help: "Detect on every n-th frame only; the frames between are logged as not detected.") var every = 1
    @Option(help: "The square the detector sees frames at: a multiple of 32 (larger finds smaller objects, slower).")
    var inputSize = DetectorOptions.defaultInputSize
    @OptionGroup var upstream: UpstreamOptions
    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        do {
            guard let format = DetectionFormat(rawValue: format) else {
                throw TrackingError(.badRequest, code: "invalid_field", "format must be one of "
                                    + DetectionFormat.allCases.map(\.rawValue).joined(separator: ", ") + "; got \(format)",
                                    field: "format")
            }
            var options = VideoDetectionOptions()
            options.every = every
            options.detector.inputSize = inputSize
            options.detector.scoreThreshold = score
            options.detector.classes = classes.map { $0.split(separator: ",").map(String.init) }
            options.detector.inference = try modelOptions.inferenceOptions()
            guard let models = try modelOptions.modelsDirectory() else {
                throw TrackingError(.unprocessable, code: "detector_unavailable",
                                    "the detector needs a models folder (--models DIR or VIDEO_TRACKER_MODELS) holding "
                                    + "\(ObjectDetector.modelFile) and \(ObjectDetector.namesFile)")
            }
            try options.validate()  // before the video is opened: a bad option fails at once
            let began = ContinuousClock.now
            let detection = try VideoDetection(models: models, options: options)
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
            let data = log.encoded(as: format)
            if let detections {
                do {
                    try data.write(to: URL(fileURLWithPath: detections), options: .atomic)
                } catch {
                    throw TrackingError(.unprocessable, code: "output_unwritable", "cannot write \(detections): \(error.localizedDescription)",
                                        field: "detections")
                }
            } else {
                FileHandle.standardOutput.write(data)
            }
        } catch let error as TrackingError {
            Output.error(ContractJSON.error(error))
            throw ExitCode(error.kind.exitCode)
        }
    }
}

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
    @OptionGroup var detection: DetectionFlags
    @OptionGroup var upstream: UpstreamOptions
    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        do {
            guard let format = DetectionFormat(rawValue: format) else {
                throw TrackingError(.badRequest, code: "invalid_field", "format must be one of "
                                    + DetectionFormat.allCases.map(\.rawValue).joined(separator: ", ") + "; got \(format)",
                                    field: "format")
            }
            let options = try detection.options(models: modelOptions, defaultScore: DetectorOptions().scoreThreshold)
            let log = try DetectionFlags.run(url: url, options: options, models: modelOptions, upstream: upstream).log
            try DetectionFlags.write(log.encoded(as: format), to: detections, field: "detections")
        } catch let error as TrackingError {
            Output.error(ContractJSON.error(error))
            throw ExitCode(error.kind.exitCode)
        }
    }
}

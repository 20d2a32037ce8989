import ArgumentParser
import Foundation
import VideoTracker

/// Where the neural models are and how they run: the same flags for `serve`, `run` and `detect`.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of models (nanotrack/v2, nanotrack/v3, yolox_nano); or set VIDEO_TRACKER_MODELS. "
                               + "Without it only the OpenCV trackers run.", valueName: "dir"))
    var models: String?
    @Option(help: "OpenVINO: throughput (one stream per core, for many trackers at once) or latency (one stream on all cores).")
    var inferenceMode = InferenceOptions.Mode.throughput.rawValue
    @Option(help: ArgumentHelp("OpenVINO: f32 or bf16 (about twice as fast where the CPU has it, less exact). Default: f32 for "
                               + "NanoTrack (bf16 costs it 0.02 mean IoU) and for mot and tracked jobs; bf16 for detect and "
                               + "detection jobs where the CPU computes it natively (person P/R within 0.6 points).",
                               valueName: "f32|bf16"))
    var inferencePrecision: String?
    @Option(help: "OpenVINO: threads per inference (default: the plugin's choice for the mode).")
    var inferenceThreads: Int?
    @Option(help: ArgumentHelp("A folder where OpenVINO keeps compiled models, so later processes start faster; or set VIDEO_TRACKER_MODEL_CACHE.",
                               valueName: "dir"))
    var modelCache: String?
    @Option(help: "NanoTrack: frames whose best score is below this are reported lost.")
    var lostScore = TrackerModels.defaultLostScore

    func trackerModels() throws -> TrackerModels {
        let options = try inferenceOptions()
        guard let directory = try modelsDirectory() else { return .none }
        return TrackerModels(directory: directory, options: options, lostScore: lostScore)
    }

    /// `--inference-precision`, nil when not given (each use then takes its own default).
    func chosenPrecision() throws -> InferenceOptions.Precision? {
        guard let inferencePrecision else { return nil }
        guard let precision = InferenceOptions.Precision(rawValue: inferencePrecision) else {
            throw ValidationError("--inference-precision must be f32 or bf16, got \(inferencePrecision)")
        }
        return precision
    }

    /// How OpenVINO compiles the models: mode, precision (`defaultPrecision` unless given), threads
    /// and cache folder.
    func inferenceOptions(defaultPrecision: InferenceOptions.Precision = .f32) throws -> InferenceOptions {
        guard let mode = InferenceOptions.Mode(rawValue: inferenceMode) else {
            throw ValidationError("--inference-mode must be throughput or latency, got \(inferenceMode)")
        }
        let precision = try chosenPrecision() ?? defaultPrecision
        let environment = ProcessInfo.processInfo.environment
        let cache = modelCache ?? environment["VIDEO_TRACKER_MODEL_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
        return InferenceOptions(precision: precision, mode: mode, threads: inferenceThreads, cacheDirectory: cache)
    }

    /// `--models` or VIDEO_TRACKER_MODELS, which must be a folder; nil when neither is given.
    func modelsDirectory() throws -> String? {
        let fromEnvironment = ProcessInfo.processInfo.environment["VIDEO_TRACKER_MODELS"].flatMap { $0.isEmpty ? nil : $0 }
        guard let directory = models ?? fromEnvironment else { return nil }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("the models folder \(directory) does not exist")
        }
        return directory
    }
}

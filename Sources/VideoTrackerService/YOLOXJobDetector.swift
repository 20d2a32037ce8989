import Foundation
import VideoTracker
import VideoTrackerStore

/// The detection jobs' detector: YOLOX-Nano from the service's models folder, run by the
/// library's `VideoDetection` over the job's video file.
func makeJobDetector(configuration: ServiceConfiguration) -> any JobDetector {
    YOLOXJobDetector(models: configuration.models.directory, inference: configuration.models.options,
                     precision: configuration.detectorPrecision)
}

struct YOLOXJobDetector: JobDetector {
    let models: String?
    let inference: InferenceOptions
    /// The operator's choice; nil: the detector's default for the job (tracked or not).
    let precision: InferenceOptions.Precision?
    /// Read once at start from the models folder; nil when it is missing.
    let names: ClassNames?
    let unavailableReason: TrackingError?

    init(models: String?, inference: InferenceOptions, precision: InferenceOptions.Precision?) {
        self.models = models
        self.inference = inference
        self.precision = precision
        guard let models else {
            names = nil
            unavailableReason = TrackingError(.unprocessable, code: "detector_unavailable",
                                              "detection needs the service started with --models DIR holding "
                                              + "\(ObjectDetector.modelFile) and \(ObjectDetector.namesFile)")
            return
        }
        let missing = [ObjectDetector.modelFile, ObjectDetector.namesFile]
            .map { models + "/" + $0 }.filter { !FileManager.default.isReadableFile(atPath: $0) }
        do {
            guard missing.isEmpty else {
                throw TrackingError(.unprocessable, code: "detector_unavailable",
                                    "the detector is not available here: no \(missing.joined(separator: " and "))")
            }
            names = try ClassNames(contentsOfFile: models + "/" + ObjectDetector.namesFile)
            unavailableReason = nil
        } catch {
            names = nil
            unavailableReason = error as? TrackingError
                ?? TrackingError(.unprocessable, code: "detector_unavailable", "the detector is not available here: \(error)")
        }
    }

    var classNames: [String] { names?.names ?? [] }

    func validate(_ options: JobOptions) throws {
        try detectionOptions(options, videoOutput: nil).validate()
        if let classes = options.classes, let names { _ = try names.ids(of: classes) }
    }

    func detect(videoAt path: String, name: String, options: JobOptions, videoOutput: String,
                cancellation: JobCancellation, progress: @escaping (FrameProgress) -> Void) throws -> DetectionOutputs {
        guard let models else { throw unavailableReason! }
        var chosen = detectionOptions(options, videoOutput: videoOutput)
        // Here, on the job's own thread: the first call starts OpenVINO to ask the CPU.
        chosen.detector.inference.precision = precision ?? DetectorOptions.defaultPrecision
        let detection = try VideoDetection(models: models, options: chosen)
        cancellation.onCancel { detection.cancel() }
        let log = try detection.run(source: try FileByteSource(path: path), name: name) { done in
            progress(FrameProgress(framesDone: done.framesDone, framesTotal: done.framesTotal))
        }
        var encoded: [String: Data] = [:]
        for format in DetectionFormat.allCases { encoded[format.rawValue] = log.encoded(as: format) }
        return DetectionOutputs(encoded: encoded, framesDone: log.frames.count, framesTotal: log.frames.count)
    }

    private func detectionOptions(_ options: JobOptions, videoOutput: String?) -> VideoDetectionOptions {
        var detection = VideoDetectionOptions()
        detection.every = options.every
        detection.videoOutput = videoOutput
        detection.detector.scoreThreshold = options.scoreThreshold
        detection.detector.classes = options.classes
        detection.detector.inputSize = options.inputSize
        detection.detector.inference = inference
        // ByteTrack's defaults, as `video-tracker mot` uses them: each class tracked apart.
        detection.tracking = options.track ? ByteTrackOptions() : nil
        return detection
    }
}

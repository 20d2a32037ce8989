import VideoTracker
import VideoTrackerStore

// Until the YOLOX detector (issue 12, branch detect) is merged: every job is refused as
// detector_unavailable. Replaced by the adapter over VideoDetection.
func makeJobDetector(configuration: ServiceConfiguration) -> any JobDetector {
    NoJobDetector()
}

struct NoJobDetector: JobDetector {
    var unavailableReason: TrackingError? {
        TrackingError(.unprocessable, code: "detector_unavailable", "this build has no video detector")
    }
    var classNames: [String] { [] }
    func validate(_ options: JobOptions) throws {}
    func detect(videoAt path: String, name: String, options: JobOptions, videoOutput: String,
                cancellation: JobCancellation, progress: @escaping (FrameProgress) -> Void) throws -> DetectionOutputs {
        throw unavailableReason!
    }
}

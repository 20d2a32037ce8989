import Foundation
import Synchronization
import VideoTracker
import VideoTrackerStore

/// What the job queue needs from a detector: the one seam between the jobs and the models, so
/// the queue and the API know nothing of YOLOX or OpenVINO.
protocol JobDetector: Sendable {
    /// Why no job can run here (no models folder, its detector model missing), or nil. Checked when
    /// a job is posted (422) and again when it runs.
    var unavailableReason: TrackingError? { get }
    /// The class names `classes` may use.
    var classNames: [String] { get }
    /// Refuses options the detector cannot take (400 naming the field), without loading anything.
    func validate(_ options: JobOptions) throws
    /// Blocking (compiles the model, decodes, infers): runs on the job's own thread. Writes the
    /// annotated MP4 to `videoOutput` and returns the detections in every output format.
    func detect(videoAt path: String, name: String, options: JobOptions, videoOutput: String,
                cancellation: JobCancellation, progress: @escaping (FrameProgress) -> Void) throws -> DetectionOutputs
}

struct FrameProgress: Sendable, Equatable {
    var framesDone: Int
    var framesTotal: Int?
}

/// A finished run: the detections encoded in every format the API serves, and the frame counts.
struct DetectionOutputs: Sendable {
    /// Format name (`json`, `mot`, `coco`) to its bytes.
    var encoded: [String: Data]
    var framesDone: Int
    var framesTotal: Int?
}

/// How each output format is stored and served (`GET /jobs/{id}/detections?format=`).
extension DetectionFormat {
    /// MOT rows are shown as text in a browser rather than downloaded.
    var mediaType: String {
        switch self {
        case .json, .coco: "application/json"
        case .mot: "text/plain; charset=utf-8"
        }
    }

    var fileExtension: String {
        switch self {
        case .json: "json"
        case .mot: "txt"
        case .coco: "coco.json"
        }
    }
}

/// Stops a running job from another task (DELETE, shutdown): whatever is blocking on the job's
/// thread registers how to interrupt it.
final class JobCancellation: Sendable {
    enum Reason: Sendable { case deleted, shuttingDown }

    private let state = Mutex<(reason: Reason?, interrupt: (@Sendable () -> Void)?)>((nil, nil))

    var reason: Reason? { state.withLock { $0.reason } }
    var isCancelled: Bool { reason != nil }

    func cancel(_ reason: Reason) {
        let interrupt = state.withLock { state -> (@Sendable () -> Void)? in
            if state.reason == nil { state.reason = reason }
            return state.interrupt
        }
        interrupt?()
    }

    /// `interrupt` runs at once if the job is already cancelled.
    func onCancel(_ interrupt: @escaping @Sendable () -> Void) {
        let cancelled = state.withLock { state -> Bool in
            state.interrupt = interrupt
            return state.reason != nil
        }
        if cancelled { interrupt() }
    }

    func checkCancelled() throws {
        if isCancelled { throw TrackingError(.internalFailure, code: "cancelled", "the job was stopped") }
    }
}

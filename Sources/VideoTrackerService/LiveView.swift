import Foundation
import Synchronization
import VideoTracker

/// The cameras' latest annotated frames for the dashboard's live view, as JPEG. Encoding costs a
/// few milliseconds a frame, so a camera's frames are drawn and encoded only while somebody has
/// asked for them in the last `watchWindow`; the rest of the time the sink only checks a clock.
///
/// Apart from those, each camera's still: a frame as it came (unannotated), taken every
/// `stillInterval`, the background of its analytics pictures (heatmap.png, trajectories.png).
final class LiveView: Sendable {
    static let watchWindow: Duration = .seconds(10)
    /// A JPEG every 10 s per camera costs nothing to speak of; the scene rarely changes faster.
    static let stillInterval: Duration = .seconds(10)

    struct Picture: Sendable {
        var jpeg: [UInt8]
        var timeMicroseconds: Int64
    }

    private struct Camera {
        var watchedAt: ContinuousClock.Instant?
        var picture: Picture?
        /// The last detections, drawn on the frames the detector skipped (`every` > 1).
        var detections: Detections?
        var still: Picture?
        var stillTakenAt: ContinuousClock.Instant?
    }

    private let cameras = Mutex<[String: Camera]>([:])

    /// A viewer asked: frames are kept from now on (the first one arrives with the next frame).
    func picture(camera: String) -> Picture? {
        cameras.withLock { cameras in
            cameras[camera, default: Camera()].watchedAt = .now
            return cameras[camera]?.picture
        }
    }

    /// The camera's last still, when it runs here and has processed a frame.
    func still(camera: String) -> Picture? { cameras.withLock { $0[camera]?.still } }

    func forget(camera: String) { _ = cameras.withLock { $0.removeValue(forKey: camera) } }

    /// Called by the camera's session thread with each processed frame.
    func frame(_ frame: CameraFrame, camera: String, annotator: Annotator, encoder: JPEGEncoder) {
        let now = ContinuousClock.now
        let (stillDue, detections) = cameras.withLock { cameras -> (Bool, Detections?) in
            var state = cameras[camera, default: Camera()]
            defer { cameras[camera] = state }
            let stillDue = state.stillTakenAt.map { now - $0 >= Self.stillInterval } ?? true
            if stillDue { state.stillTakenAt = now }
            guard let watched = state.watchedAt, now - watched < Self.watchWindow else {
                state.picture = nil
                return (stillDue, nil)
            }
            if let found = frame.detections { state.detections = found }
            return (stillDue, state.detections ?? .empty)
        }
        // The frame is the session's until the sink returns: encoded (and drawn) here, then let go.
        // The still first, before anything is drawn on the frame.
        if stillDue, let jpeg = try? encoder.encode(frame.image) {
            cameras.withLock { $0[camera]?.still = Picture(jpeg: jpeg, timeMicroseconds: frame.timeMicroseconds) }
        }
        guard let detections else { return }
        guard (try? annotator.draw(detections, on: frame.image)) != nil, let jpeg = try? encoder.encode(frame.image) else { return }
        cameras.withLock { $0[camera]?.picture = Picture(jpeg: jpeg, timeMicroseconds: frame.timeMicroseconds) }
    }
}

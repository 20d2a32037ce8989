import Foundation
import Synchronization
import VideoTracker

/// The cameras' latest annotated frames for the dashboard's live view, as JPEG. Encoding costs a
/// few milliseconds a frame, so a camera's frames are drawn and encoded only while somebody has
/// asked for them in the last `watchWindow`; the rest of the time the sink only checks a clock.
final class LiveView: Sendable {
    static let watchWindow: Duration = .seconds(10)

    struct Picture: Sendable {
        var jpeg: [UInt8]
        var timeMicroseconds: Int64
    }

    private struct Camera {
        var watchedAt: ContinuousClock.Instant?
        var picture: Picture?
        /// The last detections, drawn on the frames the detector skipped (`every` > 1).
        var detections: Detections?
    }

    private let cameras = Mutex<[String: Camera]>([:])

    /// A viewer asked: frames are kept from now on (the first one arrives with the next frame).
    func picture(camera: String) -> Picture? {
        cameras.withLock { cameras in
            cameras[camera, default: Camera()].watchedAt = .now
            return cameras[camera]?.picture
        }
    }

    func forget(camera: String) { _ = cameras.withLock { $0.removeValue(forKey: camera) } }

    /// Called by the camera's session thread with each processed frame.
    func frame(_ frame: CameraFrame, camera: String, annotator: Annotator, encoder: JPEGEncoder) {
        let detections: Detections? = cameras.withLock { cameras in
            guard let watched = cameras[camera]?.watchedAt, ContinuousClock.now - watched < Self.watchWindow else {
                cameras[camera]?.picture = nil
                return nil
            }
            if let found = frame.detections { cameras[camera]?.detections = found }
            return cameras[camera]?.detections ?? .empty
        }
        guard let detections else { return }
        // The frame is the session's until the sink returns: drawn and encoded here, then let go.
        guard (try? annotator.draw(detections, on: frame.image)) != nil, let jpeg = try? encoder.encode(frame.image) else { return }
        cameras.withLock { $0[camera]?.picture = Picture(jpeg: jpeg, timeMicroseconds: frame.timeMicroseconds) }
    }
}

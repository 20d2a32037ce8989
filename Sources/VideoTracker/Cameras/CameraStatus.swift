/// Where a camera's session is, as its status callback reports it (the `cameras.status` column,
/// with the reason in `status_reason`).
public enum CameraStatus: Sendable, Equatable, CustomStringConvertible {
    /// Opening the stream for the first time.
    case connecting
    /// Frames are coming (a file: being read).
    case live
    /// The stream failed, stalled or ended (a live one) and the session is waiting to try again;
    /// reported again after each failed attempt, with its reason.
    case reconnecting(reason: String)
    /// A file was read to its end and every frame delivered. Final.
    case ended
    /// Trying again cannot help (not a video, no such file, the detector failed). Final.
    case failed(reason: String)

    /// The status column's word.
    public var name: String {
        switch self {
        case .connecting: "connecting"
        case .live: "live"
        case .reconnecting: "reconnecting"
        case .ended: "ended"
        case .failed: "failed"
        }
    }

    public var reason: String? {
        switch self {
        case .reconnecting(let reason), .failed(let reason): reason
        default: nil
        }
    }

    public var description: String { reason.map { "\(name): \($0)" } ?? name }
}

import CVideoTracker

/// The OpenCV 4.6 trackers that need no model file, by the name a request uses.
public enum TrackerKind: String, Sendable, CaseIterable {
    /// Channel and spatial reliability (Lukezic et al.): the most accurate here, and the default.
    case csrt
    /// Kernelized correlation filters: fast, but loses small pedestrians within about ten frames.
    case kcf
    case mil
    case mosse
    case medianflow
    case boosting
    case tld

    public static let `default` = TrackerKind.csrt

    var shimKind: cvt_tracker_kind {
        switch self {
        case .csrt: CVT_TRACKER_CSRT
        case .kcf: CVT_TRACKER_KCF
        case .mil: CVT_TRACKER_MIL
        case .mosse: CVT_TRACKER_MOSSE
        case .medianflow: CVT_TRACKER_MEDIANFLOW
        case .boosting: CVT_TRACKER_BOOSTING
        case .tld: CVT_TRACKER_TLD
        }
    }
}

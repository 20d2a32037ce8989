import CVideoTracker

/// The OpenCV 4.6 trackers that need no model file, by the name a request uses.
public enum TrackerKind: String, Sendable, CaseIterable {
    /// Channel and spatial reliability (Lukezic et al.): the most accurate here, and the default.
    case csrt
    /// CSRT tuned for throughput (see `csrtTuning`): about the same accuracy on pedestrians in a
    /// fraction of the time, so CSRT-quality tracking of many boxes fits the caller's 60 s.
    case csrtFast = "csrt-fast"
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
        case .csrt, .csrtFast: CVT_TRACKER_CSRT
        case .kcf: CVT_TRACKER_KCF
        case .mil: CVT_TRACKER_MIL
        case .mosse: CVT_TRACKER_MOSSE
        case .medianflow: CVT_TRACKER_MEDIANFLOW
        case .boosting: CVT_TRACKER_BOOSTING
        case .tld: CVT_TRACKER_TLD
        }
    }

    /// OpenCV parameters that differ from its defaults; nil keeps them all.
    ///
    /// csrt-fast searches a smaller window around the target (padding 2 instead of 3): 29% less
    /// CPU per update, and on the test data mean IoU 0.717 on Crossing (CSRT 0.721), 0.784 on
    /// vtest person 9 (0.773) and 0.529 on TUD person 3 (0.451). Smaller templates, fewer scales
    /// or ADMM iterations were cheaper but lost vtest person 9 or TUD (see the README).
    var csrtTuning: cvt_csrt_tuning? {
        guard self == .csrtFast else { return nil }
        return cvt_csrt_tuning(template_size: 0, number_of_scales: 0, admm_iterations: 0, use_segmentation: -1,
                               padding: 2, hog_channels: 0, use_color_names: -1)
    }
}

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

    /// OpenCV parameters for a tracker on `box`: nil (OpenCV's defaults) for all but csrt-fast.
    ///
    /// csrt stays exactly OpenCV's, box for box the same as the Python original. csrt-fast searches
    /// a smaller window around the target (padding 2 instead of 3), raised to the next size
    /// OpenCV's DFT is quick at (see `CSRTGrid`): about half the CPU per update of CSRT, at the
    /// same mean IoU over 55 pedestrian tracks of PETS09 and TUD (see the README). Smaller
    /// templates were cheaper but lost accuracy on vtest's small pedestrians.
    func csrtTuning(for box: Box) -> cvt_csrt_tuning? {
        guard self == .csrtFast else { return nil }
        // The shim hands OpenCV the box rounded to whole pixels; the grid follows from those.
        let width = Int(box.width.rounded(.toNearestOrEven)), height = Int(box.height.rounded(.toNearestOrEven))
        let padding = CSRTGrid.padding(from: 2, width: width, height: height)
        return cvt_csrt_tuning(template_size: 0, number_of_scales: 0, admm_iterations: 0, use_segmentation: -1,
                               padding: padding, hog_channels: 0, use_color_names: -1)
    }
}

import CVideoTracker

/// The trackers, by the name a request uses: NanoTrack (a neural network, when its models are
/// loaded) and the OpenCV 4.6 trackers that need no model file.
public enum TrackerKind: String, Sendable, CaseIterable {
    /// NanoTrack v2 (Siamese, MobileNetV3 backbone): the default when its models are loaded.
    case nanotrack
    /// NanoTrack v3: a wider backbone, 15 x 15 score map.
    case nanotrackV3 = "nanotrack-v3"
    /// Channel and spatial reliability (Lukezic et al.): the most accurate here, and the default.
    case csrt
    /// CSRT tuned for throughput (see `csrtTuning`): 0.02 less mean IoU on pedestrians for about
    /// two thirds of the CPU per update, so CSRT-quality tracking of many boxes fits the caller's 60 s.
    case csrtFast = "csrt-fast"
    /// Kernelized correlation filters: fast, but loses small pedestrians within about ten frames.
    case kcf
    case mil
    case mosse
    case medianflow
    case boosting
    case tld

    /// The default without models; with NanoTrack's models loaded it is `nanotrack`
    /// (`TrackerModels.defaultTracker`).
    public static let `default` = TrackerKind.csrt

    /// The NanoTrack version behind a neural kind, nil for OpenCV's.
    public var nanoTrackVersion: NanoTrackVersion? {
        switch self {
        case .nanotrack: .v2
        case .nanotrackV3: .v3
        default: nil
        }
    }

    /// OpenCV's tracker behind this kind, nil for the neural ones.
    var openCVKind: cvt_tracker_kind? {
        switch self {
        case .nanotrack, .nanotrackV3: nil
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
    /// csrt stays exactly OpenCV's, box for box the same as the Python original. csrt-fast:
    /// - padding 2 instead of 3 (a smaller search window), raised to the next value whose filter
    ///   grid OpenCV's DFT is quick at (see `CSRTGrid`);
    /// - 17 scales instead of 33 (±17% a frame instead of ±37%: people do not grow that fast);
    /// - 2 ADMM iterations instead of 4 (the filter is a running average over frames anyway).
    /// Together 0.71x CSRT's CPU per update at padding 2, and over 35 pedestrian tracks of PETS09
    /// and TUD the same mean IoU as plain CSRT at padding 2 (0.533 and 0.534; see the README).
    /// Smaller templates were cheaper still but lost 0.04-0.08 mean IoU on small pedestrians.
    func csrtTuning(for box: Box) -> cvt_csrt_tuning? {
        guard self == .csrtFast else { return nil }
        // The shim hands OpenCV the box rounded to whole pixels; the grid follows from those.
        let width = Int(box.width.rounded(.toNearestOrEven)), height = Int(box.height.rounded(.toNearestOrEven))
        let padding = CSRTGrid.padding(from: 2, width: width, height: height)
        return cvt_csrt_tuning(template_size: 0, number_of_scales: 17, admm_iterations: 2, use_segmentation: -1,
                               padding: padding, hog_channels: 0, use_color_names: -1)
    }
}

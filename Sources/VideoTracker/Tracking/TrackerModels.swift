import Foundation

/// The neural trackers' models of this process, read from one folder (`--models DIR`, laid out as
/// `nanotrack/v2`, `nanotrack/v3`). Each version is loaded and compiled once, on first use (or all
/// at start with `preload`), and shared by every request. A version that is missing or broken is
/// unavailable, with its reason; the OpenCV trackers never need it.
public final class TrackerModels: @unchecked Sendable {
    /// A frame whose best NanoTrack score is below this is reported lost. NanoTrack keeps a high
    /// score on whatever it drifted onto, so only a high threshold catches anything: over the 29
    /// single-object sequences of the shared data (bench/), 0.8 is the highest at which at least
    /// 95% of the frames it marks are truly lost (no person there, or IoU < 0.1) for both versions;
    /// it costs 0.002 mean IoU and marks 8-9% of the truly lost frames (0.9: 17%, but 10% of its
    /// marks are frames the tracker had right).
    public static let defaultLostScore = 0.8

    /// Where the models are read from; nil when the process has none.
    public let directory: String?
    public let options: InferenceOptions
    public let lostScore: Double

    private let lock = NSLock()
    private var nanoTrack: [NanoTrackVersion: Result<NanoTrackModel, TrackingError>] = [:]

    public init(directory: String?, options: InferenceOptions = InferenceOptions(), lostScore: Double = defaultLostScore) {
        self.directory = directory
        self.options = options
        self.lostScore = lostScore
    }

    /// No models: OpenCV's trackers only.
    public static let none = TrackerModels(directory: nil)

    /// Loads every model now; returns the problems (a missing file, a broken model), one a version.
    @discardableResult
    public func preload() -> [String] {
        NanoTrackVersion.allCases.compactMap { version in
            if case .failure(let error) = nanoTrackModel(version) { return error.message }
            return nil
        }
    }

    /// NanoTrack v2 when its models load, otherwise CSRT.
    public var defaultTracker: TrackerKind {
        guard directory != nil, case .success = nanoTrackModel(.v2) else { return .default }
        return .nanotrack
    }

    /// Starts loading `kind`'s model on a thread of its own, so compiling overlaps opening and
    /// seeking the video (about 0.3 s of a `run`); `makeTrackers` then waits for it if need be.
    func prepare(_ kind: TrackerKind) {
        guard let version = kind.nanoTrackVersion else { return }
        lock.lock()
        let loaded = nanoTrack[version] != nil
        lock.unlock()
        guard !loaded else { return }
        let thread = Thread { [self] in _ = nanoTrackModel(version) }
        thread.name = "video-tracker.models"
        thread.start()
    }

    /// The trackers a request runs, one per box.
    func makeTrackers(kind: TrackerKind, boxes: [Box]) throws -> [any SingleObjectTracker] {
        guard let version = kind.nanoTrackVersion else {
            return try boxes.map { try ObjectTracker(kind: kind, box: $0) }
        }
        switch nanoTrackModel(version) {
        case .success(let model):
            return boxes.map { NanoTracker(model: model, box: $0, lostScore: lostScore) }
        case .failure(let error):
            throw TrackingError.unprocessable("tracker", code: "tracker_unavailable",
                "tracker \(kind.rawValue) is not available here: \(error.message); the OpenCV trackers "
                + "(" + TrackerKind.allCases.filter { $0.nanoTrackVersion == nil }.map(\.rawValue).joined(separator: ", ") + ") are")
        }
    }

    func nanoTrackModel(_ version: NanoTrackVersion) -> Result<NanoTrackModel, TrackingError> {
        lock.lock()
        defer { lock.unlock() }
        if let loaded = nanoTrack[version] { return loaded }
        let result: Result<NanoTrackModel, TrackingError>
        if let directory {
            do {
                result = .success(try NanoTrackModel(directory: directory + "/nanotrack/" + version.rawValue,
                                                     version: version, options: options))
            } catch let error as TrackingError {
                result = .failure(error)
            } catch {
                result = .failure(TrackingError(.internalFailure, code: "model_invalid", "\(error)"))
            }
        } else {
            result = .failure(TrackingError(.internalFailure, code: "model_missing",
                                            "no models folder was given (--models DIR or VIDEO_TRACKER_MODELS)"))
        }
        nanoTrack[version] = result
        return result
    }
}

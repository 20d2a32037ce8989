/// How the detector runs: the size it sees frames at, which boxes it keeps, and how OpenVINO
/// computes. `validate()` refuses impossible values as 400s naming the field; class names are
/// checked against the model's own (`ClassNames.ids(of:)`) when the detector loads.
public struct DetectorOptions: Sendable, Equatable {
    public static let defaultInputSize = 416
    /// Multi-object tracking's (`mot`): at 640 far people get boxes steady enough to keep their
    /// ids (IDF1 +12 on PETS09, MOTA +2 on TUD against 416; bench/results/mot_sweep.md), for about
    /// 2.4 times the detector's time.
    public static let trackingInputSize = 640
    /// YOLOX's coarsest stride: the input must be a multiple of it for the grid to tile it.
    public static let inputSizeMultiple = 32
    /// Beyond this the input tensor alone passes 50 MB and a frame takes seconds.
    public static let maxInputSize = 2048

    /// The side of the square the frame is letterboxed into. Larger finds smaller objects and costs
    /// about the square of it; 416 is what YOLOX-Nano was trained at.
    public var inputSize = DetectorOptions.defaultInputSize
    /// Boxes scoring below this (objectness times class probability) are dropped.
    public var scoreThreshold = 0.3
    /// Two boxes of one class overlapping more than this (intersection over union) are one object.
    public var nmsThreshold = 0.45
    /// Class names to keep (nil: all); matched without regard to case.
    public var classes: [String]?
    /// OpenVINO's precision, mode, threads and cache (`defaultPrecision` unless told otherwise).
    public var inference = InferenceOptions()

    public init() {}

    /// The precision the detector runs at unless told: bf16 where the CPU computes it natively,
    /// f32 elsewhere. Detection: person precision and recall within 0.6 points of f32 on the shared
    /// MOT sequences, 1.3 to 1.5 times faster end to end (bench/results/latest-detection_quality.md,
    /// -detection_speed.md). Tracking: ByteTrack's defaults are chosen to meet the Python peer's
    /// MOTA and IDF1 at both precisions (bench/results/mot_sweep-precisions.md), for 2.3 times the
    /// detector's speed at 640. Blocking on first use (it starts OpenVINO): call it off Swift's
    /// cooperative threads.
    public static var defaultPrecision: InferenceOptions.Precision {
        InferenceRuntime.shared.computesBF16Natively ? .bf16 : .f32
    }

    public func validate() throws {
        guard inputSize > 0, inputSize % Self.inputSizeMultiple == 0, inputSize <= Self.maxInputSize else {
            throw TrackingError.invalid("input_size", "input_size must be a positive multiple of \(Self.inputSizeMultiple) "
                                        + "(the detector's coarsest grid) up to \(Self.maxInputSize), such as 320, 416 or 640; "
                                        + "got \(inputSize)")
        }
        guard scoreThreshold.isFinite, (0...1).contains(scoreThreshold) else {
            throw TrackingError.invalid("score", "score must be between 0 and 1; got \(scoreThreshold)")
        }
        guard nmsThreshold.isFinite, nmsThreshold > 0, nmsThreshold <= 1 else {
            throw TrackingError.invalid("nms", "nms (the overlap at which two boxes are one object) must be above 0 and "
                                        + "at most 1; got \(nmsThreshold)")
        }
        if let classes, classes.isEmpty {
            throw TrackingError.invalid("classes", "classes must name at least one class, or be left out for all")
        }
    }
}

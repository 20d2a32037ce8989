import Foundation

/// YOLOX-Nano on OpenVINO: a frame in, its objects out (boxes in frame pixels, clipped to the frame,
/// highest score first).
///
/// The model is compiled once per process, input size and options (`InferenceRuntime`), and every
/// `detect` borrows an infer request of its own, so threads may detect frames at once: in the
/// throughput mode, two frames in flight run on the CPU's two streams.
public final class ObjectDetector: Sendable {
    /// Where the detector's files live in a models folder.
    public static let modelFile = "yolox_nano/yolox_nano.onnx"
    public static let namesFile = "yolox_nano/coco.names"

    public let options: DetectorOptions
    public let classNames: ClassNames
    private let model: CompiledModel
    private let grid: YOLOXGrid
    /// Which class ids the options keep; nil: all.
    private let keptClasses: [Bool]?

    /// Loads `yolox_nano/yolox_nano.onnx` and `yolox_nano/coco.names` from `models` and compiles the
    /// model at the options' input size. Blocking (compiling takes about a second): call it off
    /// Swift's cooperative threads.
    public init(models: String, options: DetectorOptions = DetectorOptions()) throws {
        try options.validate()
        let modelPath = models + "/" + Self.modelFile
        let namesPath = models + "/" + Self.namesFile
        for path in [modelPath, namesPath] where !FileManager.default.isReadableFile(atPath: path) {
            throw TrackingError(.unprocessable, code: "detector_unavailable",
                                "the detector is not available here: no \(path) (the models folder needs "
                                + "\(Self.modelFile) and \(Self.namesFile))")
        }
        let classNames = try ClassNames(contentsOfFile: namesPath)
        self.classNames = classNames
        keptClasses = try options.classes.map { wanted in
            let ids = Set(try classNames.ids(of: wanted))
            return (0..<classNames.count).map(ids.contains)
        }
        let size = options.inputSize
        model = try InferenceRuntime.shared.model(at: modelPath, inputShape: [1, 3, size, size], options: options.inference)
        grid = YOLOXGrid(inputSize: size)
        // The output must be the grid this input size makes, with a column per class name.
        let expected = [1, grid.cells.count, 5 + classNames.count]
        guard model.outputShapes.first == expected else {
            throw TrackingError(.internalFailure, code: "model_invalid",
                                "\(modelPath) at input \(size) gives \(model.outputShapes.first ?? []), not the \(expected) "
                                + "of a YOLOX grid (strides \(YOLOXGrid.strides.map(String.init).joined(separator: ", "))) "
                                + "with the \(classNames.count) classes of \(namesPath)")
        }
        self.options = options
    }

    /// The objects in `frame`. Blocking: about 10-30 ms on a core.
    public func detect(_ frame: FrameBuffer) throws -> Detections {
        let letterbox = Letterbox(frameWidth: frame.width, frameHeight: frame.height, inputSize: options.inputSize)
        let candidates = try model.withRequest { request in
            try request.withInput(0) { try letterbox.fill($0, from: frame) }
            try request.infer()
            return try request.withOutput(0) { output in
                grid.candidates(output, classCount: classNames.count, threshold: Float(options.scoreThreshold),
                                keep: keptClasses)
            }
        }
        let kept = NonMaximumSuppression.keep(boxes: candidates.map(\.box), scores: candidates.map(\.score),
                                              classIDs: candidates.map(\.classID), iouThreshold: options.nmsThreshold)
        // Boxes may reach into the grey padding or past the frame: clipped to it, and dropped when
        // nothing of them is left.
        var detections = Detections()
        for index in kept {
            let box = letterbox.frameBox(candidates[index].box).clipped(width: frame.width, height: frame.height)
            guard box.width > 0, box.height > 0 else { continue }
            detections.boxes.append(box)
            detections.scores.append(candidates[index].score)
            detections.classIDs.append(candidates[index].classID)
        }
        return detections
    }
}

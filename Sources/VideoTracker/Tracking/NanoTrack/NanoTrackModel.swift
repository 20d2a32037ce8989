import Foundation

/// The NanoTrack versions whose models are known.
public enum NanoTrackVersion: String, Sendable, CaseIterable {
    case v2
    case v3
}

/// One NanoTrack version, loaded and compiled once per process and shared by every tracker: the
/// backbone at the template size and at the search size, the head, the author's constants, and
/// the score map's fixed cosine window and grid points.
final class NanoTrackModel: Sendable {
    let version: NanoTrackVersion
    let config: NanoTrackConfig
    let templateBackbone: CompiledModel
    let searchBackbone: CompiledModel
    let head: CompiledModel
    /// The score map is `scoreSize` x `scoreSize` (16 for v2, 15 for v3).
    let scoreSize: Int
    /// Hanning window, outer product, row-major: favours small moves.
    let window: [Double]
    /// Offset of each score-map cell from the search crop's centre, in crop pixels.
    let pointOffsets: [Double]

    /// `directory` holds `config.yaml`, a backbone and a head ONNX file (the layout of
    /// `models/nanotrack/v2` and `v3` in the test data).
    init(directory: String, version: NanoTrackVersion, options: InferenceOptions) throws {
        self.version = version
        let configPath = directory + "/config.yaml"
        guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else {
            throw TrackingError(.internalFailure, code: "model_missing", "no NanoTrack config at \(configPath)")
        }
        config = try NanoTrackConfig.parse(text, file: configPath)
        let backbonePath = try Self.file(in: directory, named: ["nanotrack_backbone_sim.onnx", "nanotrack_backbone.onnx"])
        let headPath = try Self.file(in: directory, named: ["nanotrack_head_sim.onnx", "nanotrack_head.onnx"])
        let runtime = InferenceRuntime.shared
        searchBackbone = try runtime.model(at: backbonePath, inputShape: [1, 3, config.instanceSize, config.instanceSize],
                                           options: options)
        templateBackbone = try runtime.model(at: backbonePath, inputShape: [1, 3, config.exemplarSize, config.exemplarSize],
                                             options: options)
        head = try runtime.model(at: headPath, options: options)

        // The head takes (template features, search features) and gives (scores, box distances).
        let shapes = head.outputShapes
        guard head.inputShapes.count == 2, head.inputShapes[0] == templateBackbone.outputShapes.first,
              head.inputShapes[1] == searchBackbone.outputShapes.first,
              shapes.count == 2, shapes[0].count == 4, shapes[0][1] == 2, shapes[1].count == 4, shapes[1][1] == 4,
              shapes[0][2] == shapes[0][3], Array(shapes[0][2...]) == Array(shapes[1][2...]) else {
            throw TrackingError(.internalFailure, code: "model_invalid",
                                "\(headPath) does not fit \(backbonePath): head inputs \(head.inputShapes), outputs \(shapes)")
        }
        let size = shapes[0][2], stride = config.stride
        scoreSize = size
        let hanning = (0..<size).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size - 1)) }
        window = hanning.flatMap { row in hanning.map { row * $0 } }
        let origin = -(size / 2) * stride
        pointOffsets = (0..<size).map { Double(origin + stride * $0) }
    }

    private static func file(in directory: String, named names: [String]) throws -> String {
        for name in names where FileManager.default.isReadableFile(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw TrackingError(.internalFailure, code: "model_missing",
                            "no \(names.joined(separator: " or ")) in \(directory)")
    }
}

import Foundation
import Testing
import VideoTracker

/// OpenVINO (through its C API, f32) against ONNX Runtime in Python on the same fixed inputs:
/// every output of both NanoTrack versions and of YOLOX-Nano within 1e-3.
@Suite struct InferenceTests {
    /// ONNX Runtime's outputs, by model name: one list of values per output (made once).
    private static let reference = ReferenceOutputs()

    @Test(arguments: NanoTrackVersion.allCases)
    func nanoTrackMatchesONNXRuntime(version: NanoTrackVersion) async throws {
        let reference = try await Self.referenceOutputs()
        let folder = TestData.models + "/nanotrack/\(version.rawValue)/"
        let backbone = folder + (version == .v2 ? "nanotrack_backbone_sim.onnx" : "nanotrack_backbone.onnx")
        let head = folder + (version == .v2 ? "nanotrack_head_sim.onnx" : "nanotrack_head.onnx")
        let ours = try await onThread {
            let runtime = InferenceRuntime.shared
            let search = try runtime.model(at: backbone, inputShape: [1, 3, 255, 255])
            let template = try runtime.model(at: backbone, inputShape: [1, 3, 127, 127])
            let headModel = try runtime.model(at: head)
            return [
                "search": try Self.outputs(of: search, inputs: [Self.fixedInput(search.inputShapes[0])]),
                "template": try Self.outputs(of: template, inputs: [Self.fixedInput(template.inputShapes[0])]),
                "head": try Self.outputs(of: headModel, inputs: headModel.inputShapes.map { Self.fixedInput($0).map { $0 / 64 } }),
            ]
        }
        for part in ["search", "template", "head"] {
            try expectClose(ours[part] ?? [], reference["nanotrack-\(version)-\(part)"], "\(version) \(part)")
        }
    }

    @Test func yoloxNanoMatchesONNXRuntime() async throws {
        let reference = try await Self.referenceOutputs()
        let (shapes, ours) = try await onThread {
            let model = try InferenceRuntime.shared.model(at: TestData.models + "/yolox_nano/yolox_nano.onnx")
            return (model.outputShapes, try Self.outputs(of: model, inputs: [Self.fixedInput(model.inputShapes[0])]))
        }
        #expect(shapes == [[1, 3549, 85]])
        try expectClose(ours, reference["yolox-nano"], "yolox-nano")
    }

    @Test func aModelIsCompiledOncePerProcess() async throws {
        let path = TestData.models + "/nanotrack/v2/nanotrack_head_sim.onnx"
        let same = try await onThread { try InferenceRuntime.shared.model(at: path) === InferenceRuntime.shared.model(at: path) }
        #expect(same)
    }

    @Test func aMissingModelFileIsAClearError() async throws {
        let error = try await onThread { () -> TrackingError? in
            do {
                _ = try InferenceRuntime.shared.model(at: TestData.models + "/nanotrack/v9/none.onnx")
                return nil
            } catch let error as TrackingError {
                return error
            }
        }
        #expect(error?.code == "model_missing")
        #expect(error?.message.contains("nanotrack/v9/none.onnx") == true)
    }

    // MARK: - Helpers

    private static func referenceOutputs() async throws -> [String: [[Double]]] { try await reference.values() }

    /// Element i is ((i * 1103515245 + 12345) >> 16) % 256, as the Python reference makes it.
    private static func fixedInput(_ shape: [Int]) -> [Float] {
        (0..<shape.reduce(1, *)).map { Float(((Int64($0) * 1_103_515_245 + 12345) >> 16) % 256) }
    }

    private static func outputs(of model: CompiledModel, inputs: [[Float]]) throws -> [[Float]] {
        try model.withRequest { request in
            for (index, values) in inputs.enumerated() {
                try request.withInput(index) { buffer in
                    #expect(buffer.count == values.count)
                    _ = buffer.update(fromContentsOf: values)
                }
            }
            try request.infer()
            return try model.outputShapes.indices.map { index in try request.withOutput(index) { Array($0) } }
        }
    }

    private func expectClose(_ ours: [[Float]], _ theirs: [[Double]]?, _ what: String) throws {
        let theirs = try #require(theirs, "no reference for \(what)")
        #expect(ours.count == theirs.count, "\(what): output count")
        for (output, (mine, reference)) in zip(ours, theirs).enumerated() {
            #expect(mine.count == reference.count, "\(what) output \(output): size")
            let worst = zip(mine, reference).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 1e-3, "\(what) output \(output): largest difference \(worst)")
        }
    }
}

/// Runs the Python reference once, however many tests ask.
private actor ReferenceOutputs {
    private var cached: [String: [[Double]]]?

    func values() async throws -> [String: [[Double]]] {
        if let cached { return cached }
        let script = TestData.repoRoot.appendingPathComponent("Tests/Reference/onnx_outputs.py").path
        let result = try await runProcess(ReferencePython.path, [script, TestData.models])
        guard result.status == 0 else { throw ReferenceFailure(message: result.errorOutput) }
        let values = try JSONDecoder().decode([String: [[Double]]].self, from: result.stdout)
        cached = values
        return values
    }
}

private struct ReferenceFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "the ONNX Runtime reference failed: \(message)" }
}

import COpenVINO
import Foundation

/// OpenVINO in this process: one core, and every model compiled once and shared by all who use
/// it (a compiled model hands each concurrent user an infer request of its own).
public final class InferenceRuntime: @unchecked Sendable {
    public static let shared = InferenceRuntime()

    private struct ModelKey: Hashable {
        var path: String
        var inputShape: [Int]?
        var options: InferenceOptions
    }

    private let lock = NSLock()
    // Created on first use: a process that only runs OpenCV trackers never starts OpenVINO.
    private var core: OpaquePointer?
    private var models: [ModelKey: CompiledModel] = [:]
    private var bf16Native: Bool?

    private init() {}

    /// OpenVINO's build number, e.g. "2026.4.1-22982-...".
    public static var version: String {
        var version = ov_version_t()
        guard ov_get_openvino_version(&version) == OK else { return "unknown" }
        defer { ov_version_free(&version) }
        return String(cString: version.buildNumber)
    }

    /// The model in the ONNX (or IR) file at `path`, compiled for the CPU; `inputShape` fixes its
    /// one input to another static shape first (NanoTrack's backbone runs on 127 and 255 crops).
    /// Compiled once per path, shape and options; later calls return the same model.
    /// Blocking: call it off Swift's cooperative threads.
    public func model(at path: String, inputShape: [Int]? = nil,
                      options: InferenceOptions = InferenceOptions()) throws -> CompiledModel {
        let key = ModelKey(path: path, inputShape: inputShape, options: options)
        lock.lock()
        defer { lock.unlock() }
        if let model = models[key] { return model }
        let core = try openCore()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw TrackingError(.internalFailure, code: "model_missing", "no model file at \(path)")
        }
        var model: OpaquePointer?
        try check(ov_core_read_model(core, path, nil, &model), "could not read the model \(path)")
        defer { ov_model_free(model) }
        if let inputShape {
            var shape = ov_partial_shape_t()
            let dims = inputShape.map(Int64.init)
            try check(ov_partial_shape_create_static(Int64(dims.count), dims, &shape), "bad input shape \(inputShape)")
            defer { ov_partial_shape_free(&shape) }
            try check(ov_model_reshape_single_input(model, shape),
                      "could not reshape the input of \(path) to \(inputShape)")
        }
        let properties = options.properties
        var compiled: OpaquePointer?
        try withPropertyList(properties) { list in
            try check(ov_core_compile_model_props(core, model, "CPU", list.count, list.baseAddress, &compiled),
                      "could not compile \(path) for the CPU")
        }
        let made = try CompiledModel(handle: compiled!, path: path)
        models[key] = made
        return made
    }

    /// Whether this CPU computes bfloat16 itself (AVX-512 BF16 or AMX), as OpenVINO's CPU plugin
    /// reports it: without that, bf16 is emulated and slower than f32, so nothing defaults to it.
    public var computesBF16Natively: Bool {
        lock.lock()
        defer { lock.unlock() }
        if let bf16Native { return bf16Native }
        var native = false
        if let core = try? openCore() {
            var value: UnsafeMutablePointer<CChar>?
            if ov_core_get_property(core, "CPU", "OPTIMIZATION_CAPABILITIES", &value) == OK, let value {
                native = String(cString: value).split(separator: " ").contains("BF16")
                ov_free(value)
            }
        }
        bf16Native = native
        return native
    }

    private func openCore() throws -> OpaquePointer {
        if let core { return core }
        var made: OpaquePointer?
        try check(ov_core_create(&made), "OpenVINO could not start")
        core = made
        return made!
    }
}

/// Throws OpenVINO's own message when `status` is not OK.
func check(_ status: ov_status_e, _ what: @autoclosure () -> String) throws {
    guard status != OK else { return }
    let detail = ov_get_last_err_msg().map { String(cString: $0) } ?? ""
    let reason = detail.isEmpty ? String(cString: ov_get_error_info(status)) : detail
    throw TrackingError(.internalFailure, code: "inference_failed",
                        "\(what()): \(reason.trimmingCharacters(in: .whitespacesAndNewlines))")
}

/// OpenVINO's key/value property array, alive for the length of `body`.
private func withPropertyList<T>(_ properties: [(key: String, value: String)],
                                 _ body: (UnsafeBufferPointer<ov_property_t>) throws -> T) rethrows -> T {
    let keys = properties.map { strdup($0.key)! }
    let values = properties.map { strdup($0.value)! }
    defer { (keys + values).forEach { free($0) } }
    let list = zip(keys, values).map { ov_property_t(key: $0, value: UnsafeRawPointer($1)) }
    return try list.withUnsafeBufferPointer(body)
}

import COpenVINO

/// One infer request of a compiled model: its input and output buffers, used by one thread at a
/// time (borrowed through `CompiledModel.withRequest`). Inputs are written straight into the
/// buffers OpenVINO owns, so a run copies nothing on the way in.
public final class InferRequest: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The model's file, for messages. (OpenVINO's request keeps its compiled model alive itself;
    /// a reference back to ours would be a cycle through the model's pool.)
    private let path: String

    init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { ov_infer_request_free(handle) }

    /// Fills input `index` (f32, the model's shape) in place.
    public func withInput<T>(_ index: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> T) throws -> T {
        var tensor: OpaquePointer?
        try check(ov_infer_request_get_input_tensor_by_index(handle, index, &tensor), "no input \(index) in \(path)")
        defer { ov_tensor_free(tensor) }
        return try body(try floats(of: tensor, what: "input \(index)"))
    }

    /// Runs the model on the inputs written. Blocking.
    public func infer() throws {
        try check(ov_infer_request_infer(handle), "inference of \(path) failed")
    }

    /// Reads output `index` of the last run; the buffer is valid inside `body` only.
    public func withOutput<T>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> T) throws -> T {
        var tensor: OpaquePointer?
        try check(ov_infer_request_get_output_tensor_by_index(handle, index, &tensor), "no output \(index) in \(path)")
        defer { ov_tensor_free(tensor) }
        return try body(UnsafeBufferPointer(try floats(of: tensor, what: "output \(index)")))
    }

    private func floats(of tensor: OpaquePointer?, what: String) throws -> UnsafeMutableBufferPointer<Float> {
        var type = DYNAMIC
        try check(ov_tensor_get_element_type(tensor, &type), "no element type for \(what) of \(path)")
        guard type == F32 else {
            throw TrackingError(.internalFailure, code: "inference_failed", "\(what) of \(path) is not f32")
        }
        var count = 0
        var data: UnsafeMutableRawPointer?
        try check(ov_tensor_get_size(tensor, &count), "no size for \(what) of \(path)")
        try check(ov_tensor_data(tensor, &data), "no data for \(what) of \(path)")
        return UnsafeMutableBufferPointer(start: data!.assumingMemoryBound(to: Float.self), count: count)
    }
}

import COpenVINO
import Foundation

/// A model compiled for the CPU, shared by every thread that runs it. Each run borrows an infer
/// request from a pool (one per thread running at that moment), so concurrent runs never share
/// buffers and requests are made only as often as there are threads at once.
public final class CompiledModel: @unchecked Sendable {
    /// Where it was read from, for messages.
    public let path: String
    /// The shapes of its inputs and outputs, in the model's order.
    public let inputShapes: [[Int]]
    public let outputShapes: [[Int]]

    private let handle: OpaquePointer
    private let lock = NSLock()
    private var idle: [InferRequest] = []

    init(handle: OpaquePointer, path: String) throws {
        self.handle = handle
        self.path = path
        var inputs = 0, outputs = 0
        try check(ov_compiled_model_inputs_size(handle, &inputs), "could not read the inputs of \(path)")
        try check(ov_compiled_model_outputs_size(handle, &outputs), "could not read the outputs of \(path)")
        inputShapes = try (0..<inputs).map { index in
            var port: OpaquePointer?
            try check(ov_compiled_model_input_by_index(handle, index, &port), "no input \(index) in \(path)")
            defer { ov_output_const_port_free(port) }
            return try staticShape(of: port, in: path)
        }
        outputShapes = try (0..<outputs).map { index in
            var port: OpaquePointer?
            try check(ov_compiled_model_output_by_index(handle, index, &port), "no output \(index) in \(path)")
            defer { ov_output_const_port_free(port) }
            return try staticShape(of: port, in: path)
        }
    }

    deinit {
        idle.removeAll()  // the requests first: each holds the compiled model inside OpenVINO
        ov_compiled_model_free(handle)
    }

    /// Runs `body` with an infer request no other thread is using. Blocking work: call it off
    /// Swift's cooperative threads.
    public func withRequest<T>(_ body: (InferRequest) throws -> T) throws -> T {
        let request = try borrow()
        defer { giveBack(request) }
        return try body(request)
    }

    private func borrow() throws -> InferRequest {
        lock.lock()
        if let request = idle.popLast() {
            lock.unlock()
            return request
        }
        lock.unlock()
        var made: OpaquePointer?
        try check(ov_compiled_model_create_infer_request(handle, &made), "could not make an infer request for \(path)")
        return InferRequest(handle: made!, path: path)
    }

    private func giveBack(_ request: InferRequest) {
        lock.lock()
        idle.append(request)
        lock.unlock()
    }
}

private func staticShape(of port: OpaquePointer?, in path: String) throws -> [Int] {
    var shape = ov_shape_t()
    try check(ov_const_port_get_shape(port, &shape), "\(path) has a dynamic shape; give it a static one")
    defer { ov_shape_free(&shape) }
    return (0..<Int(shape.rank)).map { Int(shape.dims[$0]) }
}

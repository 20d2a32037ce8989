import Foundation

/// The built `video-tracker` binary: `VIDEO_TRACKER_BIN`, else `.build/debug/video-tracker`.
enum Binary {
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["VIDEO_TRACKER_BIN"], !path.isEmpty { return path }
        return TestData.repoRoot.appendingPathComponent(".build/debug/video-tracker").path
    }
}

/// The project's test Python (a venv with ONNX Runtime that `make test` makes): `VIDEO_TRACKER_PYTHON`,
/// else `.venv-test/bin/python`.
enum ReferencePython {
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["VIDEO_TRACKER_PYTHON"], !path.isEmpty { return path }
        return TestData.repoRoot.appendingPathComponent(".venv-test/bin/python").path
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}

struct ProcessResult {
    var status: Int32
    var stdout: Data
    var stderr: Data
    var output: String { String(decoding: stdout, as: UTF8.self) }
    var errorOutput: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a program to its end on a thread of its own (never blocking Swift's cooperative pool,
/// which the in-process servers need).
func runProcess(_ executable: String, _ arguments: [String], stdin: Data? = nil) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let out = Pipe(), err = Pipe(), input = Pipe()
                process.standardOutput = out
                process.standardError = err
                process.standardInput = input
                try process.run()
                if let stdin { input.fileHandleForWriting.write(stdin) }
                try input.fileHandleForWriting.close()
                // stderr is drained on a second thread so neither pipe can fill up and stall the child.
                let errData = DataBox()
                let errDone = DispatchSemaphore(value: 0)
                Thread {
                    errData.data = err.fileHandleForReading.readDataToEndOfFile()
                    errDone.signal()
                }.start()
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                errDone.wait()
                continuation.resume(returning: ProcessResult(status: process.terminationStatus, stdout: outData, stderr: errData.data))
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.start()
    }
}

func runTracker(_ arguments: [String]) async throws -> ProcessResult {
    try await runProcess(Binary.path, arguments)
}

/// An HTTP answer read with curl, the way a person tests by hand.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: String
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
}

func curl(_ url: String, method: String = "GET", body: Data? = nil, headers: [String] = []) async throws -> HTTPAnswer {
    let headerFile = FileManager.default.temporaryDirectory.appendingPathComponent("curl-headers-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: headerFile) }
    var arguments = ["-s", "-S", "-X", method, "-D", headerFile.path, "--max-time", "120"]
    for header in headers { arguments += ["-H", header] }
    if body != nil { arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"] }
    arguments.append(url)
    let result = try await runProcess("/usr/bin/curl", arguments, stdin: body)
    guard result.status == 0 else { throw TestFailure("curl failed: \(result.errorOutput)") }
    let headerText = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
    var status = 0
    var fields: [String: String] = [:]
    for line in headerText.split(whereSeparator: \.isNewline) {
        if line.hasPrefix("HTTP/") { status = Int(line.split(separator: " ")[1]) ?? 0; fields = [:]; continue }
        if let colon = line.firstIndex(of: ":") {
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return HTTPAnswer(status: status, headers: fields, body: result.output)
}

/// `video-tracker serve` as a child process on a free loopback port.
final class ServiceProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(arguments: [String] = []) async throws {
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: Binary.path)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if let answer = try? await curl(baseURL + "/healthz"), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw TestFailure("video-tracker serve did not answer /healthz")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    func run(_ body: [String: Any], headers: [String] = []) async throws -> HTTPAnswer {
        try await curl(baseURL + "/run", method: "POST", body: try JSONSerialization.data(withJSONObject: body), headers: headers)
    }
}

extension ServiceProcess {
    /// Starts a request that takes seconds (two CSRT people over 150 frames of vtest.avi) and
    /// returns once it is surely in flight.
    func startLongRequest(videos: VideoServer) async throws -> Task<HTTPAnswer, Error> {
        let body = try JSONSerialization.data(withJSONObject: [
            "item_stream_url": videos.url("vtest.avi"), "bbs": try Contract.people("PETS09-S2L1", frame: 0, ids: [9, 15]),
            "start_frame": 0, "frame_duration": 150,
        ] as [String: Any])
        let url = baseURL + "/run"
        let answer = Task { try await curl(url, method: "POST", body: body) }
        try await Task.sleep(for: .milliseconds(800))
        return answer
    }
}

/// A port the kernel says is free now (bound to port 0, then released).
func freePort() throws -> Int {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(socketDescriptor, pointer, length) == 0 && getsockname(socketDescriptor, pointer, &length) == 0
        }
    }
    guard bound else { throw TestFailure("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

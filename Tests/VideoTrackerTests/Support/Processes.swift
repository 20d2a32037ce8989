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
    /// The job folder made for this service when the test gave none; removed with it.
    private var ownedDataDirectory: URL?
    /// Where the service keeps its jobs.
    private(set) var dataDirectoryPath: String?
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `launcher` runs the binary through another program (e.g. `unshare ... exec "$@"`), which
    /// must exec it in place so that this process is the service.
    init(arguments: [String] = [], launcher: [String] = []) async throws {
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: launcher.first ?? Binary.path)
        // Each service keeps its jobs in a folder of its own unless the test names one.
        ownedDataDirectory = arguments.contains("--data-dir") ? nil : temporaryFolder("serve-data")
        let dataDirectory = ownedDataDirectory.map { ["--data-dir", $0.path] } ?? []
        dataDirectoryPath = ownedDataDirectory?.path ?? arguments.firstIndex(of: "--data-dir").map { arguments[$0 + 1] }
        process.arguments = Array(launcher.dropFirst()) + (launcher.isEmpty ? [] : [Binary.path])
            + ["serve", "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning"] + dataDirectory + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Polls until it answers: the only bound is a generous one for a machine busy with other work.
        let giveUp = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < giveUp && process.isRunning {
            if let answer = try? await curl(baseURL + "/healthz"), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw TestFailure("video-tracker serve did not answer /healthz (exited: \(!process.isRunning))")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        if let ownedDataDirectory { try? FileManager.default.removeItem(at: ownedDataDirectory) }
    }

    func run(_ body: [String: Any], headers: [String] = []) async throws -> HTTPAnswer {
        try await curl(baseURL + "/run", method: "POST", body: try JSONSerialization.data(withJSONObject: body), headers: headers)
    }
}

extension ServiceProcess {
    /// Starts a streaming request (by default 120 frames of Crossing's walker, KCF) whose video, the
    /// re-encoded h264-faststart.mp4, the faulty server holds back half-way; returns once its first
    /// NDJSON line has arrived: from then on the request is in flight, and it stays so until
    /// `release()`, however fast or slow the machine.
    func startHeldRequest(_ fields: [String: Any] = ["tracker": "kcf"]) async throws -> HeldRequest {
        let faulty = try await Fixtures.shared.faultyServer()
        let size = try await Fixtures.shared.size(of: "h264-faststart.mp4")
        let gate = "held-\(UUID().uuidString)"
        var request: [String: Any] = ["bbs": ContractTests.crossingBox, "start_frame": 0, "frame_duration": 120]
        request.merge(fields) { _, given in given }
        request["item_stream_url"] = faulty.url("/hold/\(gate)/\(size / 2)/h264-faststart.mp4")
        let held = try HeldRequest(url: baseURL + "/run", body: try JSONSerialization.data(withJSONObject: request),
                                   gate: gate, faulty: faulty)
        try await held.waitForFirstLine()
        return held
    }

    /// Whether the service still accepts new connections (a fresh curl gets any HTTP answer).
    func acceptsConnections() async -> Bool {
        (try? await curl(baseURL + "/healthz")) != nil
    }
}

/// An NDJSON request read line by line as it streams (curl -N), its video held back by the faulty
/// server until `release()`.
final class HeldRequest: @unchecked Sendable {
    private let gate: String
    private let faulty: FaultyServer
    private let process = Process()
    private let lock = NSLock()
    private var received: [String] = []
    private let firstLine = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)

    init(url: String, body: Data, gate: String, faulty: FaultyServer) throws {
        self.gate = gate
        self.faulty = faulty
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-N", "-X", "POST", "-H", "Accept: application/x-ndjson",
                             "-H", "Content-Type: application/json", "--data-binary", "@-", url]
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(body)
        try input.fileHandleForWriting.close()
        Thread { [self] in
            var pending = Data()
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending = Data(pending[(newline + 1)...])
                    lock.withLock { received.append(line) }
                    if lock.withLock({ received.count }) == 1 { firstLine.signal() }
                }
            }
            process.waitUntilExit()
            if lock.withLock({ received.isEmpty }) { firstLine.signal() }
            ended.signal()
        }.start()
    }

    deinit {
        faulty.release(gate)
        if process.isRunning { process.terminate() }
    }

    var lines: [String] { lock.withLock { received } }

    func waitForFirstLine() async throws {
        let semaphore = firstLine
        try await onThread { semaphore.wait() }
        guard !lines.isEmpty else { throw TestFailure("the held request ended before its first line") }
    }

    func release() { faulty.release(gate) }

    /// Every line, once the answer has ended.
    func finish() async throws -> [String] {
        let semaphore = ended
        try await onThread { semaphore.wait() }
        return lines
    }
}

/// A new empty folder under the system's temporary folder.
func temporaryFolder(_ prefix: String) -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("video-tracker-\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
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

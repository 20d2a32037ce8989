import Foundation
import VideoTracker

/// A multipart/form-data body built the way a browser or `curl -F` builds one.
struct MultipartForm {
    let boundary = "----video-tracker-test-\(UUID().uuidString)"
    private var parts = Data()

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }
    /// The whole body, closing delimiter included.
    var body: Data { parts + Data("--\(boundary)--\r\n".utf8) }

    mutating func field(_ name: String, _ value: String) {
        parts += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, filename: String, contents: Data, type: String = "video/mp4") {
        parts += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        parts += contents
        parts += Data("\r\n".utf8)
    }

    /// A form with the video file at `path` (named as its last path part) and `fields`.
    static func video(_ path: String, fields: [(String, String)] = []) throws -> MultipartForm {
        guard let contents = FileManager.default.contents(atPath: path) else { throw TestFailure("missing \(path)") }
        var form = MultipartForm()
        for (name, value) in fields { form.field(name, value) }
        form.file("video", filename: URL(fileURLWithPath: path).lastPathComponent, contents: contents)
        return form
    }
}

/// An HTTP answer with its body as bytes (videos, detections), read with curl.
struct HTTPBytes {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    /// `error.code` and `error.field` of an error answer.
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var errorField: String? { (json?["error"] as? [String: Any])?["field"] as? String }
}

func httpBytes(_ url: String, method: String = "GET", body: Data? = nil, contentType: String? = nil,
               headers: [String] = []) async throws -> HTTPBytes {
    let folder = temporaryFolder("curl")
    defer { try? FileManager.default.removeItem(at: folder) }
    let headerFile = folder.appendingPathComponent("headers"), bodyFile = folder.appendingPathComponent("body")
    // No `Expect: 100-continue`: browsers send the body at once, and so does this.
    var arguments = ["-s", "-S", "-X", method, "-D", headerFile.path, "-o", bodyFile.path, "--max-time", "300", "-H", "Expect:"]
    for header in headers { arguments += ["-H", header] }
    if let body {
        let upload = folder.appendingPathComponent("upload")
        try body.write(to: upload)
        arguments += ["--data-binary", "@" + upload.path]
        if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
    }
    arguments.append(url)
    let result = try await runProcess("/usr/bin/curl", arguments)
    guard result.status == 0 else { throw TestFailure("curl \(method) \(url) failed: \(result.errorOutput)") }
    let headerText = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
    var status = 0
    var fields: [String: String] = [:]
    for line in headerText.split(whereSeparator: \.isNewline) {
        if line.hasPrefix("HTTP/") { status = Int(line.split(separator: " ")[1]) ?? 0; fields = [:]; continue }
        if let colon = line.firstIndex(of: ":") {
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return HTTPBytes(status: status, headers: fields, body: (try? Data(contentsOf: bodyFile)) ?? Data())
}

extension ServiceProcess {
    func postJob(_ form: MultipartForm, headers: [String] = []) async throws -> HTTPBytes {
        try await httpBytes(baseURL + "/jobs", method: "POST", body: form.body, contentType: form.contentType,
                            headers: ["Accept: application/json"] + headers)
    }

    /// Posts and expects 202; returns the job's id.
    func submitJob(_ form: MultipartForm) async throws -> String {
        let answer = try await postJob(form)
        guard answer.status == 202, let id = answer.json?["id"] as? String else {
            throw TestFailure("POST /jobs answered \(answer.status): \(answer.text)")
        }
        return id
    }

    func job(_ id: String) async throws -> [String: Any] {
        let answer = try await httpBytes(baseURL + "/jobs/" + id, headers: ["Accept: application/json"])
        guard answer.status == 200, let json = answer.json else { throw TestFailure("GET /jobs/\(id): \(answer.status) \(answer.text)") }
        return json
    }

    /// Polls the job until its status is one of `statuses`. The bound only stops a hung test on a
    /// machine busy with other work; nothing is measured.
    func waitForJob(_ id: String, until statuses: Set<String> = ["done", "failed"]) async throws -> [String: Any] {
        let giveUp = ContinuousClock.now + .seconds(900)
        while true {
            let job = try await job(id)
            if let status = job["status"] as? String, statuses.contains(status) { return job }
            guard ContinuousClock.now < giveUp else { throw TestFailure("job \(id) stayed \(job["status"] ?? "?"): \(job)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// The objects of one frame of a job's JSON detections, as (class, box, score).
func detectedObjects(_ detections: [String: Any], frame: Int) -> [(name: String, box: Box, score: Double)] {
    guard let frames = detections["frames"] as? [[String: Any]], frames.indices.contains(frame),
          let objects = frames[frame]["objects"] as? [[String: Any]] else { return [] }
    return objects.compactMap { object in
        guard let name = object["class"] as? String, let x = object["x"] as? Double, let y = object["y"] as? Double,
              let w = object["w"] as? Double, let h = object["h"] as? Double, let score = object["score"] as? Double else { return nil }
        return (name, Box(x: x, y: y, width: w, height: h), score)
    }
}

/// A POST whose body is never finished: the head announces `declaredLength` bytes, then only
/// `prefix` is sent and the client waits for an answer. Any answer therefore comes from a server
/// that answered before reading the whole body.
func postUnfinishedBody(port: Int, path: String, contentType: String, declaredLength: Int, prefix: Data,
                        headers: [String] = []) async throws -> (status: Int, body: String, bytesSent: Int) {
    try await onThread {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 300, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw TestFailure("cannot connect to 127.0.0.1:\(port)") }
        var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: \(contentType)\r\n"
        head += "Content-Length: \(declaredLength)\r\nAccept: application/json\r\n"
        for header in headers { head += header + "\r\n" }
        let request = Data((head + "\r\n").utf8) + prefix
        var sent = 0
        // The server may answer and stop reading while this still sends: a failed send ends the sending.
        request.withUnsafeBytes { raw in
            while sent < raw.count {
                let count = send(descriptor, raw.baseAddress! + sent, min(65_536, raw.count - sent), Int32(MSG_NOSIGNAL))
                if count <= 0 { break }
                sent += count
            }
        }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer.append(contentsOf: buffer[0..<count])
            let text = String(decoding: answer, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n"),
               let length = text[..<end.lowerBound].split(separator: "\r\n")
                .first(where: { $0.lowercased().hasPrefix("content-length:") })
                .flatMap({ Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }),
               text.utf8.distance(from: end.upperBound.samePosition(in: text.utf8)!, to: text.utf8.endIndex) >= length {
                break
            }
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, statusLine.hasPrefix("HTTP/1.1 ") else {
            throw TestFailure("no HTTP answer to the unfinished body (got \(answer.count) bytes)")
        }
        let status = Int(statusLine.split(separator: " ")[1]) ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body, sent - head.utf8.count - 2)
    }
}

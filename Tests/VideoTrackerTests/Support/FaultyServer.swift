import Foundation

/// A deliberately misbehaving HTTP/1.1 server on 127.0.0.1, written on raw sockets so it can do
/// what a well-behaved server library will not: cut a connection mid-body, stall, ignore Range,
/// send garbage or HTML, redirect in loops. Each path names the fault:
///
/// - `/ok/NAME`: well behaved, with Range.
/// - `/cut-once/NAME`: the first answer stops half-way through its body (the connection is cut);
///   later answers are whole. A reader that resumes with a Range request gets every byte.
/// - `/cut-at/BYTES/NAME`: no byte at or after offset BYTES is ever sent; the connection is cut there.
/// - `/garbage/NAME`: bytes 45%..47% of the file are replaced by noise.
/// - `/stall-at/BYTES/NAME`: sends up to offset BYTES, then says nothing (until the client leaves).
/// - `/hold/GATE/BYTES/NAME`: sends up to offset BYTES, then holds the rest back until the test calls
///   `release(GATE)`, then sends it. A request reading it stays in flight for as long as the test needs,
///   however fast or slow the machine.
/// - `/no-range/NAME`: ignores Range and always answers 200 with the whole file.
/// - `/html`: an HTML page, 200 text/html.
/// - `/redirect/N/PATH`: N redirects (302) before PATH; `/redirect-to?URL`: one redirect to URL.
final class FaultyServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let files: [String: Data]
    private let lock = NSLock()
    private var cutDone: Set<String> = []
    private var stopped = false
    private let gates = NSCondition()
    private var released: Set<String> = []

    init(files: [String: String]) throws {
        var loaded: [String: Data] = [:]
        for (name, path) in files {
            guard let data = FileManager.default.contents(atPath: path) else { throw TestFailure("missing \(path)") }
            loaded[name] = data
        }
        self.files = loaded
        (listener, port) = try listenOnLoopback(backlog: 64, reuseAddress: true, what: "faulty server")
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        if !wasStopped { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Lets every `/hold/GATE/...` answer send the bytes it held back (now and later).
    func release(_ gate: String) {
        gates.lock()
        released.insert(gate)
        gates.broadcast()
        gates.unlock()
    }

    private func waitForRelease(_ gate: String) {
        gates.lock()
        while !released.contains(gate) { gates.wait() }
        gates.unlock()
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            Thread { [self] in
                serve(connection)
                close(connection)
            }.start()
        }
    }

    private func serve(_ connection: Int32) {
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Keep-alive: answer requests on this connection until the client closes or a fault cuts it.
        while let request = readRequest(connection) {
            if !answer(request, on: connection) { return }
        }
    }

    private struct Request {
        var path: String
        var range: (start: Int, end: Int?)?
    }

    private func readRequest(_ connection: Int32) -> Request? {
        var data = Data()
        var byte: UInt8 = 0
        while !(data.count >= 4 && data.suffix(4) == Data("\r\n\r\n".utf8)) {
            guard recv(connection, &byte, 1, 0) == 1 else { return nil }
            data.append(byte)
            if data.count > 65_536 { return nil }
        }
        let lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var request = Request(path: String(parts[1]))
        for line in lines.dropFirst() where line.lowercased().hasPrefix("range: bytes=") {
            let spec = line.dropFirst("range: bytes=".count).split(separator: "-", omittingEmptySubsequences: false)
            request.range = (Int(spec[0]) ?? 0, spec.count > 1 ? Int(spec[1]) : nil)
        }
        return request
    }

    /// Returns false when the connection must be closed (a cut, or a fault that ends it).
    private func answer(_ request: Request, on connection: Int32) -> Bool {
        let path = request.path.components(separatedBy: "?")[0]
        let segments = path.split(separator: "/").map(String.init)
        guard let fault = segments.first else { return send(connection, status: "404 Not Found", body: Data()) }
        switch fault {
        case "html":
            let page = Data("<!doctype html><html><body><h1>Sign in</h1></body></html>".utf8)
            return send(connection, status: "200 OK", headers: ["Content-Type: text/html"], body: page)
        case "redirect-to":
            let target = request.path.components(separatedBy: "?").dropFirst().joined(separator: "?")
            return send(connection, status: "302 Found", headers: ["Location: \(target)"], body: Data())
        case "redirect":
            let count = Int(segments[1]) ?? 0
            let rest = "/" + segments.dropFirst(2).joined(separator: "/")
            let next = count > 1 ? "/redirect/\(count - 1)\(rest)" : rest
            return send(connection, status: "302 Found", headers: ["Location: \(next)"], body: Data())
        default:
            break
        }
        guard let name = segments.last, var file = files[name] else {
            return send(connection, status: "404 Not Found", body: Data("not found".utf8))
        }
        if fault == "garbage" {
            var generator = SystemRandomNumberGenerator()
            let start = file.count * 45 / 100, end = file.count * 47 / 100
            for index in start..<end { file[index] = UInt8.random(in: 0...255, using: &generator) }
        }
        var start = 0, end = file.count - 1, status = "200 OK"
        var headers = ["Content-Type: video/mp4", "Accept-Ranges: bytes"]
        if let range = request.range, fault != "no-range" {
            guard range.start < file.count else {
                return send(connection, status: "416 Range Not Satisfiable", headers: ["Content-Range: bytes */\(file.count)"], body: Data())
            }
            start = range.start
            end = min(range.end ?? file.count - 1, file.count - 1)
            status = "206 Partial Content"
            headers.append("Content-Range: bytes \(start)-\(end)/\(file.count)")
        }
        let body = file[start...end]
        switch fault {
        case "cut-once":
            lock.lock()
            let first = cutDone.insert(name).inserted
            lock.unlock()
            if first {
                _ = send(connection, status: status, headers: headers, body: body.prefix(body.count / 2), declaredLength: body.count)
                return false
            }
        case "cut-at":
            let limit = Int(segments[1]) ?? 0
            if end >= limit {
                let sent = max(0, limit - start)
                _ = send(connection, status: status, headers: headers, body: body.prefix(sent), declaredLength: body.count)
                return false
            }
        case "stall-at":
            let limit = Int(segments[1]) ?? 0
            if end >= limit {
                _ = send(connection, status: status, headers: headers, body: body.prefix(max(0, limit - start)), declaredLength: body.count)
                // Say nothing more until the client gives up and closes.
                var byte: UInt8 = 0
                while recv(connection, &byte, 1, 0) > 0 {}
                return false
            }
        case "hold":
            let gate = segments[1], limit = Int(segments[2]) ?? 0
            if end >= limit && start < limit {
                let before = body.prefix(limit - start)
                guard sendHead(connection, status: status, headers: headers, length: body.count),
                      write(connection, Data(before)) else { return false }
                waitForRelease(gate)
                return write(connection, Data(body.dropFirst(before.count)))
            }
        default:
            break
        }
        return send(connection, status: status, headers: headers, body: body)
    }

    private func send(_ connection: Int32, status: String, headers: [String] = [], body: Data, declaredLength: Int? = nil) -> Bool {
        sendHead(connection, status: status, headers: headers, length: declaredLength ?? body.count) && write(connection, body)
    }

    private func sendHead(_ connection: Int32, status: String, headers: [String], length: Int) -> Bool {
        var head = "HTTP/1.1 \(status)\r\n"
        for header in headers { head += header + "\r\n" }
        head += "Content-Length: \(length)\r\n\r\n"
        return write(connection, Data(head.utf8))
    }

    private func write(_ connection: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }
}

/// A TCP socket listening on 127.0.0.1 at a free port: its descriptor and the port.
func listenOnLoopback(backlog: Int32, reuseAddress: Bool = false, what: String) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if reuseAddress {
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && listen(descriptor, backlog) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    guard bound else { throw TestFailure("\(what) could not listen") }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

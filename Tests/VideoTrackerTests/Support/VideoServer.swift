import Foundation
import Hummingbird
import Logging
import Synchronization

/// A real HTTP server on 127.0.0.1 serving video files with Range support, as a CDN would.
/// It counts the bytes it sends, so tests can show a video is streamed, never fetched whole.
final class VideoServer: Sendable {
    let port: Int
    private let served: ByteCounter
    private let task: Task<Void, Error>

    /// `files` maps a URL name (`/videos/<name>`) to a local path.
    static func start(files: [String: String]) async throws -> VideoServer {
        var contents: [String: Data] = [:]
        for (name, path) in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TestFailure("test video missing: \(path) (is ../shared/testdata beside the repo?)")
            }
            contents[name] = data
        }
        let served = ByteCounter()
        let loaded = contents
        let router = Router()
        router.on("/videos/:name", method: .head) { request, context in
            respond(request, context: context, files: loaded, served: served, head: true)
        }
        router.get("/videos/:name") { request, context in
            respond(request, context: context, files: loaded, served: served, head: false)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "test-video-server"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "test-video-server", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw TestFailure("video server did not start") }
        return VideoServer(port: port, served: served, task: task)
    }

    private init(port: Int, served: ByteCounter, task: Task<Void, Error>) {
        self.port = port
        self.served = served
        self.task = task
    }

    deinit { task.cancel() }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/videos/\(name)" }

    func bytesServed(_ name: String) -> Int { served.counts.withLock { $0[name] ?? 0 } }

    private static func respond(_ request: Request, context: BasicRequestContext, files: [String: Data],
                                served: ByteCounter, head: Bool) -> Response {
        guard let name = context.parameters.get("name"), let data = files[name] else {
            return Response(status: .notFound)
        }
        var range = 0..<data.count
        var status = HTTPResponse.Status.ok
        var headers: HTTPFields = [.contentType: "application/octet-stream", .acceptRanges: "bytes"]
        if let header = request.headers[.range], header.hasPrefix("bytes=") {
            let parts = header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
            let start = Int(parts[0]) ?? 0
            let end = min((parts.count > 1 ? Int(parts[1]) : nil) ?? data.count - 1, data.count - 1)
            guard start < data.count, start <= end else {
                headers[.contentRange] = "bytes */\(data.count)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            range = start..<(end + 1)
            status = .partialContent
            headers[.contentRange] = "bytes \(start)-\(end)/\(data.count)"
        }
        headers[.contentLength] = String(range.count)
        if head { return Response(status: status, headers: headers) }
        served.counts.withLock { $0[name, default: 0] += range.count }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data[range])))
    }
}

final class ByteCounter: Sendable {
    let counts = Mutex<[String: Int]>([:])
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

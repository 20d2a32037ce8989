import Foundation
import Hummingbird
import VideoTracker
import VideoTrackerStore

/// A camera's track records over HTTP: `POST /cameras/{id}/tracks?fps=F&start_time=T` imports
/// MOTChallenge rows made elsewhere (all or nothing), `GET /cameras/{id}/tracks?from=&to=&format=`
/// exports them as MOT rows, CSV or JSON, streamed a page at a time.
struct TrackRecordController: Sendable {
    let cameras: CameraController
    /// An import is parsed whole before it is stored (so a bad line stores nothing): this bounds
    /// the memory it takes (a million MOT rows are about 40 MB).
    static let maxImportBytes = 256 << 20
    static let formats = ["mot", "csv", "json"]

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/cameras/:id/tracks") { request, context in try await importRows(request, context: context) }
        router.get("/cameras/:id/tracks") { request, context in try await export(request, context: context) }
    }

    private func importRows(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let fps = try query.get("fps").map { try Self.positive($0, name: "fps") } ?? camera.fps
        guard let fps else {
            throw TrackingError.field("fps", "fps is required: the frame rate the rows' frame numbers count in "
                                      + "(frame f is at start_time + (f - 1) / fps), e.g. ?fps=7")
        }
        if let cameraFPS = camera.fps, cameraFPS != fps {
            throw TrackingError.field("fps", "fps must be the camera's own (\(MOTRows.text(cameraFPS))): its records "
                                      + "count frames at that rate; got \(MOTRows.text(fps))")
        }
        guard let startText = query.get("start_time") else {
            throw TrackingError.field("start_time", "start_time is required: the ISO 8601 time of frame 1, "
                                      + "such as 2026-11-21T08:00:00Z")
        }
        let start = try TimeParameter.microseconds(startText, field: "start_time")
        let body = try await request.body.collect(upTo: Self.maxImportBytes)
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        let rows = MOTRows(cameraID: camera.id, startMicroseconds: start, fps: fps)
        let records: [TrackRecord]
        do {
            records = try rows.records(text: text)
        } catch {
            throw TrackingError(.badRequest, code: "invalid_row", "line \(error.line): \(error.message); nothing of this "
                                + "upload was stored. Rows are frame,id,x,y,w,h,conf[,...] with frame from 1", field: "body")
        }
        if camera.fps == nil {
            // A camera without a stream takes its rate from its first import.
            camera = try await cameras.cameras.update(id: camera.id, CameraChanges(fps: .some(fps))) ?? camera
        }
        let stored = try await cameras.tracks.importRecords(RecordChunks(records: records))
        context.logger.info("tracks imported", metadata: ["camera": "\(camera.id)", "rows": "\(records.count)", "stored": "\(stored)"])
        return json(ImportAnswer(rows: records.count, stored: stored, alreadyStored: records.count - stored))
    }

    private func export(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let format = query.get("format") ?? "mot"
        guard Self.formats.contains(format) else {
            throw TrackingError.field("format", "format must be one of \(Self.formats.joined(separator: ", ")); got \(format)")
        }
        let window = try TimeWindow(query)
        let pages = cameras.tracks.pages(camera: camera.id, from: window.from, to: window.to)
        let fps = camera.fps ?? 1
        let id = camera.id
        let contentType = ["mot": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"][format]!
        let body = ResponseBody { writer in
            var rows: MOTRows?
            var first = true
            if format == "csv" { try await writer.write(ByteBuffer(string: CSVRecords.header + "\n")) }
            if format == "json" { try await writer.write(ByteBuffer(string: "{\"camera\":\(ContractJSON.string(id)),\"records\":[")) }
            for try await page in pages {
                var text = ""
                for record in page {
                    switch format {
                    case "mot":
                        // Frame 1 is `from`, or the first record's time.
                        let made = rows ?? MOTRows(cameraID: id, startMicroseconds: window.from ?? record.timeMicroseconds, fps: fps)
                        rows = made
                        text += made.line(for: record) + "\n"
                    case "csv":
                        text += CSVRecords.line(record) + "\n"
                    default:
                        text += (first ? "" : ",") + CSVRecords.json(record)
                    }
                    first = false
                }
                try await writer.write(ByteBuffer(string: text))
            }
            if format == "json" { try await writer.write(ByteBuffer(string: "]}\n")) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: body)
    }

    static func positive(_ text: String, name: String) throws -> Double {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw TrackingError.field(name, "\(name) must be a number above 0; got \(text)")
        }
        return value
    }
}

struct ImportAnswer: Encodable {
    /// Rows read (rows of confidence 0 are MOT's "ignore" and are skipped, not counted).
    var rows: Int
    /// Rows newly stored.
    var stored: Int
    /// Rows the camera had already (same track at the same time): an upload sent twice stores once.
    var alreadyStored: Int

    enum CodingKeys: String, CodingKey {
        case rows, stored
        case alreadyStored = "already_stored"
    }
}

/// `from` and `to` (ISO 8601) of a query, as microseconds: [from, to).
struct TimeWindow {
    var from: Int64?
    var to: Int64?

    init(_ query: Parameters) throws {
        from = try query.get("from").map { try TimeParameter.microseconds($0, field: "from") }
        to = try query.get("to").map { try TimeParameter.microseconds($0, field: "to") }
        if let from, let to, to < from {
            throw TrackingError.field("to", "to must not be before from; got from \(query.get("from")!) and to \(query.get("to")!)")
        }
    }
}

/// A record as a CSV line and as a JSON object: time in ISO 8601 with microseconds.
enum CSVRecords {
    static let header = "camera_id,track_id,time,frame,class_id,x,y,w,h,score"

    static func line(_ record: TrackRecord) -> String {
        [record.cameraID, String(record.trackID), time(record.timeMicroseconds), String(record.frame), String(record.classID),
         MOTRows.text(record.x), MOTRows.text(record.y), MOTRows.text(record.width), MOTRows.text(record.height),
         MOTRows.text(record.score)].joined(separator: ",")
    }

    static func json(_ record: TrackRecord) -> String {
        "{\"track_id\":\(record.trackID),\"time\":\"\(time(record.timeMicroseconds))\",\"frame\":\(record.frame),"
            + "\"class_id\":\(record.classID),\"x\":\(MOTRows.text(record.x)),\"y\":\(MOTRows.text(record.y)),"
            + "\"w\":\(MOTRows.text(record.width)),\"h\":\(MOTRows.text(record.height)),\"score\":\(MOTRows.text(record.score))}"
    }

    /// `2026-11-21T08:00:00.033333Z`: microseconds, so a time reads back exactly.
    static func time(_ microseconds: Int64) -> String {
        let seconds = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        let whole = seconds.remainder < 0 ? seconds.quotient - 1 : seconds.quotient
        let fraction = seconds.remainder < 0 ? seconds.remainder + 1_000_000 : seconds.remainder
        let date = Date(timeIntervalSince1970: Double(whole))
        var text = date.ISO8601Format()  // 2026-11-21T08:00:00Z
        text.removeLast()
        return text + "." + String(format: "%06d", fraction) + "Z"
    }
}

/// An upload's records a chunk at a time, each copied out only when the store asks for it: a
/// million-row import never holds a second copy of itself.
struct RecordChunks: AsyncSequence, Sendable {
    typealias Element = [TrackRecord]
    let records: [TrackRecord]

    struct AsyncIterator: AsyncIteratorProtocol {
        let records: [TrackRecord]
        var start = 0

        mutating func next() async -> [TrackRecord]? {
            guard start < records.count else { return nil }
            let end = Swift.min(start + TrackStore.chunkRows, records.count)
            defer { start = end }
            return Array(records[start..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(records: records) }
}

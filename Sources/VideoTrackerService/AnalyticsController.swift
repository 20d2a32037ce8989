import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix
import VideoTracker
import VideoTrackerStore

/// A camera's movement analytics (issue 15), each answer computed by the database:
/// `GET /cameras/{id}/zone` (visits of a zone per hour), `/crowd` (tracks at once per hour),
/// `/stays/top` (the longest stays), `/heatmap.json` (positions on a grid) and
/// `/trajectories.json` (each track's positions, streamed), and the last two as pictures,
/// `/heatmap.png` and `/trajectories.png`, drawn over the camera's still (`LiveView`) when it runs
/// here, else over a plain canvas (`AnalyticsCanvas`). All take `from` and `to`; the tables
/// come as CSV too (`format=csv`). A camera without records answers empty tables and bare pictures.
struct AnalyticsController: Sendable {
    let cameras: CameraController
    let analytics: TrackAnalytics
    let zones: ZoneController

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/cameras/:id/zone") { request, context in try await zone(request, context: context) }
        router.get("/cameras/:id/crowd") { request, context in try await crowd(request, context: context) }
        router.get("/cameras/:id/stays/top") { request, context in try await topStays(request, context: context) }
        router.get("/cameras/:id/heatmap.json") { request, context in try await heatmap(request, context: context) }
        router.get("/cameras/:id/trajectories.json") { request, context in try await trajectories(request, context: context) }
        router.get("/cameras/:id/heatmap.png") { request, context in try await heatmapPicture(request, context: context) }
        router.get("/cameras/:id/trajectories.png") { request, context in try await trajectoriesPicture(request, context: context) }
    }

    /// The camera's frame rate, which frames count in (an import-only camera has its first
    /// import's; one with neither has no records, so any rate answers the same: none).
    private static func fps(_ camera: CameraRecord) -> Double { camera.fps ?? 1 }

    private func zone(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let format = try AnalyticsQuery.format(query)
        let scope = try AnalyticsQuery.scope(camera: camera.id, query)
        let hours = try AnalyticsQuery.hours(query)
        let fps = Self.fps(camera)
        let gap = try AnalyticsQuery.integer(query, "gap", in: 0...1_000_000, meaning: "frames outside or missing that a visit bridges")
            ?? TrackAnalytics.defaultGapFrames(fps: fps)
        let zone: Zone
        var name: String?
        switch try AnalyticsQuery.zone(query) {
        case .rectangle(let rectangle):
            zone = rectangle
        case .saved(let wanted):
            zone = try await zones.saved(camera: camera.id, name: wanted).zone
            name = wanted
        }
        let rows = try await analytics.zoneHours(scope, zone: zone, gapFrames: gap, hours: hours).map { hour in
            ZoneHourView(hour: hours.text(hourStart: hour.hourStart), passed: hour.passed,
                         maxStaySeconds: TrackAnalytics.seconds(frames: hour.longestVisitFrames, fps: fps))
        }
        if format == "csv" {
            return csv("hour,passed,max_stay_seconds", rows.map { "\($0.hour),\($0.passed),\(MOTRows.text($0.maxStaySeconds))" })
        }
        var view = ZoneView(zone)
        view.name = name
        return json(ZoneAnswer(camera: camera.id, zone: view, gap: gap, fps: fps, timeZone: query.get("tz") ?? "UTC", hours: rows))
    }

    private func crowd(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let format = try AnalyticsQuery.format(query)
        let scope = try AnalyticsQuery.scope(camera: camera.id, query)
        let hours = try AnalyticsQuery.hours(query)
        let rows = try await analytics.crowdHours(scope, hours: hours).map {
            CrowdHourView(hour: hours.text(hourStart: $0.hourStart), maxCount: $0.maxCount, meanCount: $0.meanCount)
        }
        if format == "csv" {
            return csv("hour,max_count,mean_count", rows.map { "\($0.hour),\($0.maxCount),\(MOTRows.text($0.meanCount))" })
        }
        return json(CrowdAnswer(camera: camera.id, timeZone: query.get("tz") ?? "UTC", hours: rows))
    }

    private func topStays(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let format = try AnalyticsQuery.format(query)
        let scope = try AnalyticsQuery.scope(camera: camera.id, query)
        let limit = try AnalyticsQuery.integer(query, "limit", in: 1...AnalyticsQuery.maxStays, meaning: "how many tracks") ?? 10
        let fps = Self.fps(camera)
        let rows = try await analytics.topStays(scope, limit: limit).map {
            StayView(trackID: $0.trackID, seconds: TrackAnalytics.seconds(frames: $0.frames, fps: fps),
                     first: CSVRecords.time($0.firstTime), last: CSVRecords.time($0.lastTime))
        }
        if format == "csv" {
            return csv("track_id,seconds,first,last", rows.map { "\($0.trackID),\(MOTRows.text($0.seconds)),\($0.first),\($0.last)" })
        }
        return json(StaysAnswer(camera: camera.id, fps: fps, tracks: rows))
    }

    private func heatmap(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let format = try AnalyticsQuery.format(query)
        let scope = try AnalyticsQuery.scope(camera: camera.id, query)
        let cell = try AnalyticsQuery.cell(query)
        let cells = try await analytics.heatmap(scope, cell: Double(cell)).map {
            HeatmapCellView(column: $0.column, row: $0.row, x: $0.column * Int64(cell), y: $0.row * Int64(cell), count: $0.count)
        }
        if format == "csv" {
            return csv("column,row,x,y,count", cells.map { "\($0.column),\($0.row),\($0.x),\($0.y),\($0.count)" })
        }
        return json(HeatmapAnswer(camera: camera.id, cell: cell, cells: cells))
    }

    /// Streamed a page at a time: `{"camera", "tracks": [{"track_id", "points": [{"frame", "time", "x", "y"}]}]}`,
    /// or CSV `track_id,frame,time,x,y`.
    private func trajectories(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let format = try AnalyticsQuery.format(query)
        let pages = analytics.trajectories(try AnalyticsQuery.scope(camera: camera.id, query))
        let id = camera.id
        let body = ResponseBody { writer in
            var current: Int64?
            if format == "csv" {
                try await writer.write(ByteBuffer(string: "track_id,frame,time,x,y\n"))
            } else {
                try await writer.write(ByteBuffer(string: "{\"camera\":\(ContractJSON.string(id)),\"tracks\":["))
            }
            for try await page in pages {
                var text = ""
                for point in page {
                    let time = CSVRecords.time(point.time), x = MOTRows.text(point.x), y = MOTRows.text(point.y)
                    if format == "csv" {
                        text += "\(point.trackID),\(point.frame),\(time),\(x),\(y)\n"
                        continue
                    }
                    if current != point.trackID {
                        text += (current == nil ? "" : "]},") + "{\"track_id\":\(point.trackID),\"points\":["
                    } else {
                        text += ","
                    }
                    current = point.trackID
                    text += "{\"frame\":\(point.frame),\"time\":\"\(time)\",\"x\":\(x),\"y\":\(y)}"
                }
                try await writer.write(ByteBuffer(string: text))
            }
            if format == "json" { try await writer.write(ByteBuffer(string: (current == nil ? "" : "]}") + "]}\n")) }
            try await writer.finish(nil)
        }
        let contentType = format == "csv" ? "text/csv; charset=utf-8" : "application/json"
        return Response(status: .ok, headers: [.contentType: contentType], body: body)
    }

    // MARK: - Pictures

    /// `heatmap.json`'s cells drawn over the canvas (`HeatmapPicture`).
    private func heatmapPicture(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let query = request.uri.queryParameters
        let scope = try AnalyticsQuery.scope(camera: camera.id, query)
        let cell = try AnalyticsQuery.cell(query)
        let cells = try await analytics.heatmap(scope, cell: Double(cell)).map {
            HeatmapPicture.Cell(column: $0.column, row: $0.row, count: $0.count)
        }
        let (canvas, frameTime) = try await canvas(camera)
        let png = try await NIOThreadPool.singleton.runIfActive {
            HeatmapPicture(cellSide: cell, cells: cells).draw(on: canvas)
            return try PNGEncoder().encode(canvas)
        }
        return Self.picture(png, frameTime: frameTime)
    }

    /// `trajectories.json`'s tracks drawn over the canvas (`TrajectoriesPicture`), a page at a time.
    private func trajectoriesPicture(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let pages = analytics.trajectories(try AnalyticsQuery.scope(camera: camera.id, request.uri.queryParameters))
        let (canvas, frameTime) = try await canvas(camera)
        let picture = TrajectoriesPicture(canvas: canvas)
        for try await page in pages {
            try await NIOThreadPool.singleton.runIfActive {
                var start = page.startIndex
                while start < page.endIndex {
                    let trackID = page[start].trackID
                    let end = page[start...].firstIndex { $0.trackID != trackID } ?? page.endIndex
                    try picture.add(trackID: trackID, points: page[start..<end].map { (x: $0.x, y: $0.y) })
                    start = end
                }
            }
        }
        let png = try await NIOThreadPool.singleton.runIfActive {
            try picture.finish()
            return try PNGEncoder().encode(canvas)
        }
        return Self.picture(png, frameTime: frameTime)
    }

    /// What a picture is drawn on: the camera's still when it runs on this replica and has processed
    /// a frame (with that frame's time), else a plain canvas as large as its records reach.
    private func canvas(_ camera: CameraRecord) async throws -> (FrameBuffer, Int64?) {
        if let still = cameras.supervisor.liveView.still(camera: camera.id),
           let frame = try? await NIOThreadPool.singleton.runIfActive({ try AnalyticsCanvas.decoding(still.jpeg) }) {
            return (frame, still.timeMicroseconds)
        }
        let extent = try await analytics.extent(camera: camera.id)
        let size = AnalyticsCanvas.size(recordsRight: extent?.right, recordsBottom: extent?.bottom)
        return (try await NIOThreadPool.singleton.runIfActive { AnalyticsCanvas.plain(width: size.width, height: size.height) }, nil)
    }

    /// A PNG answer; `X-Frame-Time`: the time of the camera frame beneath, when there is one.
    private static func picture(_ png: [UInt8], frameTime: Int64?) -> Response {
        var headers: HTTPFields = [.contentType: "image/png", .cacheControl: "no-store"]
        if let frameTime { headers[HTTPField.Name("X-Frame-Time")!] = CSVRecords.time(frameTime) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
    }
}

struct ZoneHourView: Encodable {
    var hour: String
    var passed: Int
    var maxStaySeconds: Double

    enum CodingKeys: String, CodingKey {
        case hour, passed
        case maxStaySeconds = "max_stay_seconds"
    }
}

struct ZoneAnswer: Encodable {
    var camera: String
    var zone: ZoneView
    /// Frames outside or missing that a visit bridges.
    var gap: Int
    var fps: Double
    var timeZone: String
    var hours: [ZoneHourView]

    enum CodingKeys: String, CodingKey {
        case camera, zone, gap, fps, hours
        case timeZone = "time_zone"
    }
}

struct CrowdHourView: Encodable {
    var hour: String
    var maxCount: Int
    var meanCount: Double

    enum CodingKeys: String, CodingKey {
        case hour
        case maxCount = "max_count", meanCount = "mean_count"
    }
}

struct CrowdAnswer: Encodable {
    var camera: String
    var timeZone: String
    var hours: [CrowdHourView]

    enum CodingKeys: String, CodingKey {
        case camera, hours
        case timeZone = "time_zone"
    }
}

struct StayView: Encodable {
    var trackID: Int64
    var seconds: Double
    var first: String
    var last: String

    enum CodingKeys: String, CodingKey {
        case seconds, first, last
        case trackID = "track_id"
    }
}

struct StaysAnswer: Encodable {
    var camera: String
    var fps: Double
    var tracks: [StayView]
}

struct HeatmapCellView: Encodable {
    /// floor(x / cell), floor(y / cell); `x`, `y`: the cell's top-left corner in pixels.
    var column: Int64
    var row: Int64
    var x: Int64
    var y: Int64
    var count: Int
}

struct HeatmapAnswer: Encodable {
    var camera: String
    var cell: Int
    var cells: [HeatmapCellView]
}

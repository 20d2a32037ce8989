import Foundation
import Testing
@testable import VideoTracker
@testable import VideoTrackerStore

/// `GET /cameras/{id}/heatmap.png` and `/trajectories.png` through the real binary, each PNG
/// decoded by ffmpeg: PETS09's truth imported (no stream: the plain canvas, as large as the boxes
/// reach) checked against heatmap.json and the truth's positions; and a live camera's pictures,
/// drawn over its own unannotated frame.
@Suite("Analytics pictures over HTTP", .serialized)
struct AnalyticsPictureTests {
    /// A PNG as ffprobe sees it and its pixels as ffmpeg decodes them (RGB).
    struct Decoded {
        var codec: String
        var width: Int
        var height: Int
        var rgb: [UInt8]

        init(_ png: Data) async throws {
            let folder = temporaryFolder("picture")
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("picture.png"), raw = folder.appendingPathComponent("picture.rgb")
            try png.write(to: file)
            let stream = try await MediaProbe.probe(file.path).stream("video")
            codec = MediaProbe.text(stream, "codec_name") ?? ""
            width = Int(MediaProbe.number(stream, "width") ?? 0)
            height = Int(MediaProbe.number(stream, "height") ?? 0)
            try await MediaProbe.ffmpeg(["-i", file.path, "-f", "rawvideo", "-pix_fmt", "rgb24", raw.path])
            rgb = [UInt8](try Data(contentsOf: raw))
            guard rgb.count == width * height * 3 else { throw TestFailure("\(rgb.count) bytes for \(width)x\(height)") }
        }

        func pixel(_ x: Int, _ y: Int) -> [Int] {
            let offset = (y * width + x) * 3
            return [Int(rgb[offset]), Int(rgb[offset + 1]), Int(rgb[offset + 2])]
        }

        /// Whether every pixel is `color`.
        func isPlain(_ color: [Int]) -> Bool {
            stride(from: 0, to: rgb.count, by: 3).allSatisfy { [Int(rgb[$0]), Int(rgb[$0 + 1]), Int(rgb[$0 + 2])] == color }
        }
    }

    /// The documented plain canvas, #202020.
    static let background = [32, 32, 32]

    static func picture(_ url: String, _ what: String) async throws -> (HTTPBytes, Decoded) {
        let answer = try await httpBytes(url)
        try #require(answer.status == 200, "\(what): \(answer.status) \(answer.text.prefix(300))")
        #expect(answer.headers["content-type"] == "image/png", "\(what)")
        let decoded = try await Decoded(answer.body)
        #expect(decoded.codec == "png", "\(what)")
        return (answer, decoded)
    }

    @Test("PNGEncoder is lossless: a heatmap drawn over vtest.avi's frame 100 decodes (ffmpeg) to exactly the frame's pixels; the cells are the ramp's colours 60 % over the frame")
    func pngOfFrame() async throws {
        let (frame, png, before) = try await onThread { () -> (FrameBuffer, [UInt8], [UInt8]) in
            let decoder = try VideoDecoder(source: try FileByteSource(path: TestData.vtest))
            try decoder.seek(toFrame: 100)
            let frame = decoder.makeBuffer()
            decoder.convert(into: frame, number: 100)
            var before: [UInt8] = []
            frame.forEachRow { before += $0 }
            HeatmapPicture(cellSide: 50, cells: [.init(column: 1, row: 1, count: 1), .init(column: 3, row: 2, count: 9)]).draw(on: frame)
            return (frame, try PNGEncoder().encode(frame), before)
        }
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let decoded = try await Decoded(Data(png))
        #expect(decoded.codec == "png" && decoded.width == 768 && decoded.height == 576)
        var rgb: [UInt8] = []
        frame.forEachRow { rgb += $0 }
        for offset in stride(from: 0, to: rgb.count, by: 3) { rgb.swapAt(offset, offset + 2) }
        #expect(rgb == decoded.rgb, "the PNG's pixels are the frame's")
        // Count 9 of 9 is the ramp's red; 1 of 9 sits at ln 2 / ln 10 = 0.301 of blue, cyan,
        // green, yellow, red: a fifth of the way from cyan to green.
        let part = (log(2.0) / log(10.0)) * 4 - 1
        for (x, y, color) in [(175, 125, [255.0, 0, 0]), (75, 75, [0, 255, 255 * (1 - part)])] {
            let offset = (y * 768 + x) * 3
            let beneath = [before[offset + 2], before[offset + 1], before[offset]].map(Double.init)
            let expected = (0..<3).map { 0.6 * color[$0] + 0.4 * beneath[$0] }
            let found = decoded.pixel(x, y)
            #expect((0..<3).allSatisfy { abs(Double(found[$0]) - expected[$0]) <= 1.5 }, "at \(x),\(y): \(found), expected \(expected)")
        }
    }

    @Test("the plain canvas's size: the records' extent rounded up, at most 3840 a side, 640x480 without records")
    func plainCanvasSize() {
        #expect(AnalyticsCanvas.size(recordsRight: 767.2, recordsBottom: 575.0) == (768, 575))
        #expect(AnalyticsCanvas.size(recordsRight: 1e9, recordsBottom: 100.5) == (3840, 101))
        #expect(AnalyticsCanvas.size(recordsRight: nil, recordsBottom: nil) == (640, 480))
        #expect(AnalyticsCanvas.size(recordsRight: -5, recordsBottom: 10) == (640, 480))
        let canvas = AnalyticsCanvas.plain(width: 5000, height: 3)
        #expect(canvas.width == 3840 && canvas.height == 3)
    }

    @Test("PETS09 imported (SQLite, then PostgreSQL): the pictures are the records' extent in size on the plain canvas; the hottest cell of heatmap.json red, the coolest blue, empty cells bare; the last track's segment in its palette colour; an empty window, or a camera without records, a bare canvas",
          .timeLimit(.minutes(10)), arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func importedPictures(kind: StoreDatabase.Kind) async throws {
        let folder = temporaryFolder("analytics-pictures")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await CameraServiceTests.databaseURL(kind)
        let service = try await CameraServiceTests.service(dataDirectory: folder, database: database)
        defer { service.stop() }
        let (id, reference) = try await AnalyticsServiceTests.importPETS(service)
        let base = service.baseURL + "/cameras/\(id)"
        // The canvas: as far as the boxes reach, rounded up.
        let width = Int(reference.rows.map { $0.x + $0.w }.max()!.rounded(.up))
        let height = Int(reference.rows.map { $0.y + $0.h }.max()!.rounded(.up))

        // Heatmap: the cells heatmap.json counts, on the ramp's log scale, 60 % over the canvas.
        let window = "cell=40&from=2026-11-21T08:30:00Z"
        let (answer, heatmap) = try await Self.picture(base + "/heatmap.png?" + window, "heatmap")
        #expect(answer.headers["x-frame-time"] == nil, "no frame beneath an imported camera's picture")
        #expect(heatmap.width == width && heatmap.height == height, "\(heatmap.width)x\(heatmap.height), expected \(width)x\(height)")
        let cells = try #require(try await httpBytes(base + "/heatmap.json?" + window).json?["cells"] as? [[String: Any]])
        var counts: [[Int]: Int] = [:]
        for cell in cells { counts[[cell["column"] as? Int ?? 0, cell["row"] as? Int ?? 0]] = cell["count"] as? Int ?? 0 }
        let inside = counts.filter { $0.key[0] >= 0 && $0.key[1] >= 0 && $0.key[0] * 40 + 20 < width && $0.key[1] * 40 + 20 < height }
        let hottest = try #require(inside.max { $0.value < $1.value })
        #expect(hottest.value == counts.values.max(), "the hottest cell lies in the picture")
        let hot = heatmap.pixel(hottest.key[0] * 40 + 20, hottest.key[1] * 40 + 20)
        let beneath: Double = 0.4 * 32, over: Double = 0.6 * 255
        let red: [Int] = [Int((over + beneath).rounded()), Int(beneath.rounded()), Int(beneath.rounded())]  // (166, 13, 13)
        #expect(zip(hot, red).allSatisfy { abs($0 - $1) <= 1 }, "hottest cell \(hottest): \(hot), expected \(red)")
        let coolest = try #require(inside.min { $0.value < $1.value })
        #expect(coolest.value < hottest.value)
        let cool = heatmap.pixel(coolest.key[0] * 40 + 20, coolest.key[1] * 40 + 20)
        #expect(cool[2] > 100 && cool[2] >= cool[1] && cool[0] == 13, "coolest cell \(coolest) (count \(coolest.value)) is blue: \(cool)")
        var bare = 0
        for column in 0..<(width / 40) {
            for row in 0..<(height / 40) where counts[[column, row]] == nil {
                #expect(heatmap.pixel(column * 40 + 20, row * 40 + 20) == Self.background, "empty cell \(column),\(row)")
                bare += 1
            }
        }
        #expect(bare > 10, "\(bare) empty cells checked")
        let (_, whole) = try await Self.picture(base + "/heatmap.png?cell=40", "heatmap of every record")
        #expect(whole.width == width && whole.height == height && whole.rgb != heatmap.rgb, "another window, another picture")

        // Trajectories: the track drawn last (the largest id) is on top along its whole path.
        let (_, paths) = try await Self.picture(base + "/trajectories.png?from=2026-11-21T09:00:00Z&to=2026-11-21T09:10:00Z",
                                                "trajectories")
        #expect(paths.width == width && paths.height == height)
        let inWindow = reference.rows.filter { (361...420).contains($0.frame) }  // 09:00:00 to 09:09:50
        let last = try #require(inWindow.map(\.track).max())
        let points = inWindow.filter { $0.track == last }.sorted { $0.frame < $1.frame }
        let color = BoxColor.palette[Int(last) % BoxColor.palette.count]
        let expected = [Int(color.red), Int(color.green), Int(color.blue)]
        var checked = 0
        for (a, b) in zip(points, points.dropFirst()) where hypot(b.px - a.px, b.py - a.py) > 6 {
            let x = Int(((a.px + b.px) / 2).rounded()), y = Int(((a.py + b.py) / 2).rounded())
            guard (1..<(width - 1)).contains(x), (1..<(height - 1)).contains(y) else { continue }
            let near = (-1...1).flatMap { dx in (-1...1).map { dy in paths.pixel(x + dx, y + dy) } }
            #expect(near.contains(expected), "track \(last)'s segment at \(x),\(y): \(near), expected \(expected)")
            checked += 1
        }
        #expect(checked >= 1, "track \(last): \(points.count) positions, \(checked) segments checked")
        let coloured = stride(from: 0, to: paths.rgb.count, by: 3).filter { paths.rgb[$0 ..< $0 + 3].map(Int.init) == expected }.count
        #expect(coloured > 50, "\(coloured) pixels of track \(last)'s colour")
        let (_, allPaths) = try await Self.picture(base + "/trajectories.png", "every trajectory")
        #expect(allPaths.rgb != paths.rgb)

        // Nothing in the window: the bare canvas, the same size.
        for route in ["heatmap.png", "trajectories.png"] {
            let (_, empty) = try await Self.picture(base + "/\(route)?from=2030-01-01T00:00:00Z", "\(route) of an empty window")
            #expect(empty.width == width && empty.height == height && empty.isPlain(Self.background), "\(route) of an empty window")
        }
        // A camera without records: the bare canvas of the default size.
        let created = try await CameraServiceTests.postJSON(service.baseURL + "/cameras", ["name": "empty"])
        let emptyBase = service.baseURL + "/cameras/\(try #require(created.json?["id"] as? String))"
        for route in ["heatmap.png", "trajectories.png"] {
            let (_, empty) = try await Self.picture(emptyBase + "/" + route, "\(route) of a camera without records")
            #expect(empty.width == 640 && empty.height == 480 && empty.isPlain(Self.background), "\(route): \(empty.width)x\(empty.height)")
        }
        service.stop()
        await CameraServiceTests.dropDatabase(database)
    }

    @Test("a live camera's pictures lie over its own frame, not the annotated one: its size, X-Frame-Time, the scene's pixels, none of the live view's violet boxes",
          .timeLimit(.minutes(10)))
    func livePictures() async throws {
        let folder = temporaryFolder("analytics-pictures-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try freePort()
        let stream = try CameraSessionTests.LiveServer(port: port, from: 0, seconds: 240, loop: true)
        defer { stream.kill() }
        let service = try await CameraServiceTests.service(dataDirectory: folder)
        defer { service.stop() }
        let created = try await CameraServiceTests.postJSON(service.baseURL + "/cameras",
                                                            ["name": "gate", "url": "http://127.0.0.1:\(port)/live.ts", "fps": 5])
        let id = try #require(created.json?["id"] as? String, "\(created.text)")
        let base = service.baseURL + "/cameras/\(id)"
        try await CameraServiceTests.waitFor(service, id, "live with 20 records stored") {
            $0["status"] as? String == "live" && CameraServiceTests.written($0) >= 20
        }

        // The scene without anyone drawn on it: vtest.avi's first frame, decoded by ffmpeg.
        let sceneFile = folder.appendingPathComponent("scene.rgb")
        try await MediaProbe.ffmpeg(["-i", TestData.vtest, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", sceneFile.path])
        let scene = [UInt8](try Data(contentsOf: sceneFile))
        try #require(scene.count == 768 * 576 * 3)
        func meanDifference(_ picture: Decoded) -> Double {
            Double(zip(picture.rgb, scene).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(scene.count)
        }

        let (heatmapAnswer, heatmap) = try await Self.picture(base + "/heatmap.png?cell=64", "live heatmap")
        #expect(heatmapAnswer.headers["x-frame-time"]?.hasSuffix("Z") == true, "\(heatmapAnswer.headers)")
        #expect(heatmap.width == 768 && heatmap.height == 576, "the stream's size: \(heatmap.width)x\(heatmap.height)")
        // Outside the few cells people stood in, the frame shows through untouched.
        let cells = try #require(try await httpBytes(base + "/heatmap.json?cell=64").json?["cells"] as? [[String: Any]])
        let hot = Set(cells.map { [$0["column"] as? Int ?? 0, $0["row"] as? Int ?? 0] })
        var difference = 0, compared = 0
        for y in stride(from: 0, to: 576, by: 4) {
            for x in stride(from: 0, to: 768, by: 4) where !hot.contains([x / 64, y / 64]) {
                let offset = (y * 768 + x) * 3
                difference += (0..<3).reduce(0) { $0 + abs(Int(heatmap.rgb[offset + $1]) - Int(scene[offset + $1])) }
                compared += 3
            }
        }
        let outside = Double(difference) / Double(max(1, compared))
        #expect(compared > 1000 && outside < 20, "mean difference \(outside) from the scene over \(compared / 3) pixels outside the heat")

        // The live view starts drawing boxes; a still taken after that is still the bare frame.
        var live = try await httpBytes(base + "/live.jpg")
        let giveUp = ContinuousClock.now + .seconds(60)
        while live.status == 404, ContinuousClock.now < giveUp {
            try await Task.sleep(for: .milliseconds(250))
            live = try await httpBytes(base + "/live.jpg")
        }
        try #require(live.status == 200, "\(live.text)")
        let liveTime = try #require(live.headers["x-frame-time"])
        var still: (HTTPBytes, Decoded) = try await Self.picture(base + "/trajectories.png?from=2100-01-01T00:00:00Z", "still")
        while (still.0.headers["x-frame-time"] ?? "") <= liveTime, ContinuousClock.now < giveUp + .seconds(30) {
            _ = try await httpBytes(base + "/live.jpg")  // keeps the live view drawing
            try await Task.sleep(for: .seconds(1))
            still = try await Self.picture(base + "/trajectories.png?from=2100-01-01T00:00:00Z", "still")
        }
        try #require((still.0.headers["x-frame-time"] ?? "") > liveTime, "a still after the live view began: \(still.0.headers)")
        let annotated = try await Decoded(try await httpBytes(base + "/live.jpg").body)
        func violet(_ picture: Decoded) -> Int {
            stride(from: 0, to: picture.rgb.count, by: 3).filter {
                abs(Int(picture.rgb[$0]) - 163) < 40 && abs(Int(picture.rgb[$0 + 1]) - 81) < 40 && abs(Int(picture.rgb[$0 + 2]) - 251) < 40
            }.count
        }
        let boxes = violet(annotated), inStill = violet(still.1)
        #expect(boxes > 300 && inStill < 30, "violet pixels: \(boxes) in the live view, \(inStill) in the still")
        #expect(meanDifference(still.1) < 20, "the still is the scene: mean difference \(meanDifference(still.1))")
    }
}

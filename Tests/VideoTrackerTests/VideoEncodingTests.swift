import Foundation
import Testing
@testable import VideoTracker

/// The annotated video: real footage decoded, its ground-truth boxes drawn, encoded to MP4, and
/// the file checked by ffprobe, by its boxes, and by decoding it back.
@Suite("Annotated video")
struct VideoEncodingTests {
    static let person = BoxColor.forClass(0)

    struct Clip: Sendable, CustomTestStringConvertible {
        var name: String
        var path: String
        var sequence: String
        var frames: Int
        var testDescription: String { name }
    }

    static let clips = [
        Clip(name: "TUD-Stadtmitte (MPEG-4 part 2, 25 fps)", path: TestData.tud, sequence: "TUD-Stadtmitte", frames: 179),
        Clip(name: "vtest.avi (MSMPEG4v3, 10 fps), first 100 frames", path: TestData.vtest, sequence: "PETS09-S2L1", frames: 100),
    ]

    @Test("ground truth drawn and encoded: H.264 High yuv420p avc1, every frame, the input's rate, faststart, no audio track", arguments: clips)
    func annotatedGroundTruth(_ clip: Clip) async throws {
        let folder = try TemporaryFolder("encode")
        defer { folder.remove() }
        let output = folder.path("annotated.mp4")
        let truth = try TestData.motBoxesByFrame(clip.sequence)
        let (encoded, rate) = try await onThread {
            try Self.annotate(clip.path, to: output, frames: clip.frames, audio: true) { truth[$0] ?? [] }
        }
        #expect(encoded.frames == clip.frames)
        #expect(encoded.audio == .none)

        let input = try await MediaProbe.probe(clip.path)
        let probe = try await MediaProbe.probe(output)
        #expect(probe.streams.count == 1, "a video without audio must give a file without an audio track")
        let video = try probe.stream("video")
        #expect(MediaProbe.text(video, "codec_name") == "h264")
        #expect(MediaProbe.text(video, "codec_tag_string") == "avc1")
        #expect(MediaProbe.text(video, "profile") == "High")
        #expect((MediaProbe.number(video, "level") ?? 0) > 0)
        #expect(MediaProbe.text(video, "pix_fmt") == "yuv420p")
        #expect(MediaProbe.number(video, "nb_read_frames") == Double(clip.frames))
        #expect(MediaProbe.text(video, "r_frame_rate") == MediaProbe.text(try input.stream("video"), "r_frame_rate"))
        #expect(MediaProbe.text(video, "r_frame_rate") == rate.description)
        let duration = try #require(MediaProbe.number(video, "duration"))
        #expect(abs(duration - Double(clip.frames) / rate.framesPerSecond) < 0.001)
        let boxes = try MediaProbe.topLevelBoxes(output)
        #expect(boxes.first == "ftyp")
        #expect(try #require(boxes.firstIndex(of: "moov")) < (try #require(boxes.firstIndex(of: "mdat"))), "\(boxes)")

        let comparison = try await onThread { try Self.compare(output: output, input: clip.path, frames: clip.frames) { truth[$0] ?? [] } }
        #expect(comparison.outputFrames == clip.frames)
        // On a 2-pixel line, through 4:2:0 chroma and x264 at crf 23: near the violet, not the street.
        #expect(comparison.medianEdgeDistance < 30, "edge pixels: \(comparison.edgeDistances.count), median distance \(comparison.medianEdgeDistance)")
        #expect(comparison.medianEdgeDistanceBefore > 80, "the input's pixels there should be far from violet")
        // Away from the boxes the picture is the input's, give or take lossy coding.
        #expect(comparison.meanFarDifference < 5, "far patches: \(comparison.farDifferences.count), mean |difference| \(comparison.meanFarDifference)")
        #expect(comparison.farDifferences.max()! < 20)

        let name = clip.sequence == "TUD-Stadtmitte" ? "tud-480p.png" : "vtest-576p.png"
        try await MediaProbe.savePNG(of: output, frame: clip.frames / 2, to: MediaProbe.keptOutput("annotation/\(name)"))
    }

    @Test("labels legible at 360p and 1080p: vtest scaled, boxes scaled with it, screenshots kept",
          arguments: [(480, 360), (1920, 1080)])
    func labelsAtTwoSizes(_ size: (width: Int, height: Int)) async throws {
        let folder = try TemporaryFolder("scaled")
        defer { folder.remove() }
        let scaled = folder.path("vtest-\(size.height)p.mp4")
        let frames = 12
        try await MediaProbe.ffmpeg(["-i", TestData.vtest, "-frames:v", String(frames), "-vf", "scale=\(size.width):\(size.height)",
                                     "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p", scaled])
        let truth = try TestData.motBoxesByFrame("PETS09-S2L1")
        let (sx, sy) = (Double(size.width) / 768, Double(size.height) / 576)
        let boxesOf: @Sendable (Int) -> [Box] = { frame in
            (truth[frame] ?? []).map { Box(left: $0.left * sx, top: $0.top * sy, right: $0.right * sx, bottom: $0.bottom * sy) }
        }
        let output = folder.path("annotated.mp4")
        let (encoded, _) = try await onThread {
            try Self.annotate(scaled, to: output, frames: frames, audio: false, trackIDs: true, boxes: boxesOf)
        }
        #expect(encoded.frames == frames && encoded.width == size.width && encoded.height == size.height)

        let style = AnnotationStyle(width: size.width, height: size.height)
        let comparison = try await onThread { try Self.compare(output: output, input: scaled, frames: frames, boxes: boxesOf) }
        #expect(comparison.outputFrames == frames)
        #expect(comparison.medianEdgeDistance < 30)
        #expect(comparison.meanFarDifference < 5 && comparison.farDifferences.max()! < 20)
        #expect(style.lineThickness == (size.height == 360 ? 2 : 4))

        // The labels of frame 6 as encoded: the same share of the frame's height at both sizes,
        // mostly violet, with dark text on it that survived the encoding (a label without text
        // has no dark pixel; thin 360p strokes leave a few percent of them).
        let labels = try await onThread {
            let decoder = try VideoDecoder(source: try FileByteSource(path: output))
            let buffer = decoder.makeBuffer()
            while let number = try decoder.nextFrame(), number < 6 {}
            decoder.convert(into: buffer, number: 6)
            let image = Snapshot(buffer)
            let annotator = Annotator(classNames: ["person"])
            return try boxesOf(6).enumerated().compactMap { index, box -> (height: Int, violet: Double, dark: Double)? in
                guard let visible = box.pixelBox(width: size.width, height: size.height) else { return nil }
                let placed = try annotator.placeLabel("#\(index + 1) person 1.00", over: visible, style: style, frame: buffer)
                var violet = 0, dark = 0
                for y in placed.top..<(placed.top + placed.height) {
                    for x in placed.left..<(placed.left + placed.width) {
                        let pixel = image.pixel(x, y)
                        if pixel.distance(to: Self.person) < 40 { violet += 1 }
                        if pixel.distance(to: .black) < 90 { dark += 1 }
                    }
                }
                let area = Double(placed.width * placed.height)
                return (placed.height, Double(violet) / area, Double(dark) / area)
            }
        }
        #expect(labels.count == 3)
        for label in labels {
            let share = Double(label.height) / Double(size.height)
            #expect(share > 0.035 && share < 0.07, "a label \(label.height) px high in a \(size.height)-row frame")
            #expect(label.violet > 0.5 && label.dark > 0.025, "label pixels: \(label.violet) violet, \(label.dark) dark")
        }
        try await MediaProbe.savePNG(of: output, frame: frames / 2,
                                     to: MediaProbe.keptOutput("annotation/vtest-\(size.height)p.png"))
    }

    @Test("the source's AAC audio is copied packet for packet, in step, into the faststart file",
          arguments: [("mp4", 0.0), ("ts", 0.5)])
    func audioIsCopied(_ container: String, audioDelay: Double) async throws {
        let folder = try TemporaryFolder("audio")
        defer { folder.remove() }
        // MPEG-TS: ADTS AAC (the muxer must turn it into MP4's form), both streams starting
        // late (1.4 s), the audio half a second after the video.
        let source = folder.path("crossing-with-sound.\(container)")
        try await MediaProbe.ffmpeg(["-i", TestData.crossing, "-itsoffset", String(audioDelay),
                                     "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=4",
                                     "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "96k", source])
        let truth = try TestData.crossingTruth()
        let output = folder.path("annotated.mp4")
        let (encoded, _) = try await onThread {
            try Self.annotate(source, to: output, frames: 120, audio: true) { truth[$0].map { [$0] } ?? [] }
        }
        let input = try await MediaProbe.probe(source)
        let sourceVideo = try input.stream("video"), sourceAudio = try input.stream("audio")
        let packets = try #require(MediaProbe.number(sourceAudio, "nb_read_packets"))
        #expect(encoded.audio == .copied(codec: "aac", packets: Int(packets)))

        let probe = try await MediaProbe.probe(output)
        #expect(probe.streams.count == 2)
        let video = try probe.stream("video"), audio = try probe.stream("audio")
        #expect(MediaProbe.text(video, "codec_name") == "h264")
        #expect(MediaProbe.number(video, "nb_read_frames") == 120)
        #expect(MediaProbe.text(video, "r_frame_rate") == "30/1")
        #expect(MediaProbe.number(video, "start_time") == 0)
        #expect(abs((MediaProbe.number(video, "duration") ?? 0) - 4) < 0.001)
        #expect(MediaProbe.text(audio, "codec_name") == "aac")
        #expect(MediaProbe.text(audio, "codec_tag_string") == "mp4a")
        #expect(MediaProbe.number(audio, "nb_read_packets") == packets)
        for key in ["sample_rate", "channels"] + (container == "mp4" ? ["duration"] : []) {
            #expect(MediaProbe.number(audio, key) == MediaProbe.number(sourceAudio, key), "audio \(key)")
        }
        // In step: the audio starts as long after the first frame as it did in the source.
        let sourceOffset = try #require(MediaProbe.number(sourceAudio, "start_time")) - (try #require(MediaProbe.number(sourceVideo, "start_time")))
        let outputOffset = try #require(MediaProbe.number(audio, "start_time"))
        #expect(abs(outputOffset - sourceOffset) < 0.001, "audio \(outputOffset) s after the video, \(sourceOffset) s in the source")
        #expect(abs(sourceOffset - audioDelay) < 0.05)
        let boxes = try MediaProbe.topLevelBoxes(output)
        #expect(try #require(boxes.firstIndex(of: "moov")) < (try #require(boxes.firstIndex(of: "mdat"))), "\(boxes)")
    }

    @Test("audio MP4 cannot carry (PCM in AVI) is left out, said so, and the video is written without it")
    func uncopyableAudioIsLeftOut() async throws {
        let folder = try TemporaryFolder("pcm")
        defer { folder.remove() }
        let source = folder.path("crossing-pcm.avi")
        try await MediaProbe.ffmpeg(["-i", TestData.crossing, "-f", "lavfi", "-i", "sine=duration=4", "-map", "0:v", "-map", "1:a",
                                     "-c:v", "mpeg4", "-q:v", "3", "-c:a", "pcm_s16le", source])
        let output = folder.path("annotated.mp4")
        let (encoded, _) = try await onThread { try Self.annotate(source, to: output, frames: 120, audio: true) { _ in [] } }
        guard case .leftOut(let reason) = encoded.audio else {
            Issue.record("expected the PCM audio left out, got \(encoded.audio)")
            return
        }
        #expect(reason.contains("pcm_s16le"))
        let probe = try await MediaProbe.probe(output)
        #expect(probe.streams.count == 1)
        #expect(MediaProbe.number(try probe.stream("video"), "nb_read_frames") == 120)
    }

    @Test("an odd size (321x241) loses its last column and row: a valid 320x240 file, pixels in place")
    func oddSize() async throws {
        let folder = try TemporaryFolder("odd")
        defer { folder.remove() }
        let source = folder.path("odd.mkv")
        try await MediaProbe.ffmpeg(["-i", TestData.crossing, "-frames:v", "20", "-vf", "scale=321:241", "-c:v", "ffv1", source])
        let output = folder.path("annotated.mp4")
        let (encoded, _) = try await onThread {
            try Self.annotate(source, to: output, frames: 20, audio: true) { _ in [Box(x: 100, y: 60, width: 50, height: 100)] }
        }
        #expect(encoded.width == 320 && encoded.height == 240 && encoded.frames == 20)
        let probe = try await MediaProbe.probe(output)
        let video = try probe.stream("video")
        #expect(MediaProbe.number(video, "width") == 320 && MediaProbe.number(video, "height") == 240)
        #expect(MediaProbe.number(video, "nb_read_frames") == 20)
        let comparison = try await onThread {
            try Self.compare(output: output, input: source, frames: 20) { _ in [Box(x: 100, y: 60, width: 50, height: 100)] }
        }
        #expect(comparison.outputFrames == 20)
        #expect(comparison.medianEdgeDistance < 30)
        #expect(comparison.meanFarDifference < 5, "a shifted picture would differ everywhere")
    }

    @Test("a missing folder, or a folder as the path, is a TrackingError naming the path; nothing is left behind")
    func unwritablePath() async throws {
        let folder = try TemporaryFolder("unwritable")
        defer { folder.remove() }
        let missing = folder.path("no-such-folder/annotated.mp4")
        do {
            _ = try VideoEncoder(path: missing, width: 640, height: 480, frameRate: FrameRate(numerator: 25, denominator: 1))
            Issue.record("a video in a missing folder was accepted")
        } catch let error as TrackingError {
            #expect(error.code == "output_unwritable")
            #expect(error.message.contains(missing) && error.message.contains("No such file or directory"), "\(error)")
        }
        do {
            _ = try VideoEncoder(path: folder.url.path, width: 640, height: 480, frameRate: FrameRate(numerator: 25, denominator: 1))
            Issue.record("a folder was accepted as the video's path")
        } catch let error as TrackingError {
            #expect(error.code == "output_unwritable")
            #expect(error.message.contains(folder.url.path) && error.message.contains("folder"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    @Test("a full disk is a TrackingError naming the path and saying so; no partial file is left")
    func diskFull() async throws {
        let folder = try TemporaryFolder("full")
        defer { folder.remove() }
        // A 256 KiB tmpfs: needs root and CAP_SYS_ADMIN (a container may refuse it).
        let mounted = try await runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", folder.url.path])
        guard mounted.status == 0 else { try Test.cancel("cannot mount a small tmpfs here: \(mounted.errorOutput)") }
        defer { _ = try? Process.run(URL(fileURLWithPath: "/bin/umount"), arguments: [folder.url.path]).waitUntilExit() }
        let output = folder.path("annotated.mp4")
        do {
            _ = try await onThread {
                try Self.annotate(TestData.vtest, to: output, frames: 300, audio: false, options: EncoderOptions(crf: 10)) { _ in [] }
            }
            Issue.record("300 frames at crf 10 fitted in 256 KiB")
        } catch let error as TrackingError {
            #expect(error.code == "encode_failed")
            #expect(error.message.contains(output) && error.message.contains("No space left on device"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "temporary files left behind")
    }

    @Test("misuse is an error, not a crash: a frame of another size, no frames, writing after finish")
    func misuse() async throws {
        let folder = try TemporaryFolder("misuse")
        defer { folder.remove() }
        try await onThread {
            let decoder = try VideoDecoder(source: try FileByteSource(path: TestData.crossing))
            let buffer = decoder.makeBuffer()
            _ = try decoder.nextFrame()
            decoder.convert(into: buffer, number: 0)
            let empty = try VideoEncoder(path: folder.path("empty.mp4"), width: 360, height: 240, frameRate: decoder.frameRate)
            #expect(throws: TrackingError.self) { try empty.finish() }
            let wrongSize = try VideoEncoder(path: folder.path("wrong.mp4"), width: 640, height: 480, frameRate: decoder.frameRate)
            #expect(throws: TrackingError.self) { try wrongSize.write(buffer) }
            let finished = try VideoEncoder(path: folder.path("one.mp4"), width: 360, height: 240, frameRate: decoder.frameRate)
            try finished.write(buffer)
            #expect(try finished.finish().frames == 1)
            #expect(throws: TrackingError.self) { try finished.write(buffer) }
            #expect(throws: TrackingError.self) { try VideoEncoder(path: folder.path("x.mp4"), width: 360, height: 240,
                                                                   frameRate: decoder.frameRate, options: EncoderOptions(preset: "warp")) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["one.mp4"])
    }

    @Test("labels: class name and score, track id when there is one; colours by class; text black or white by contrast")
    func labelsAndColours() throws {
        let annotator = Annotator(classNames: ["person", "bicycle"])
        let detections = Detections(boxes: [Box(x: 0, y: 0, width: 1, height: 1), Box(x: 0, y: 0, width: 1, height: 1),
                                            Box(x: 0, y: 0, width: 1, height: 1)],
                                    scores: [0.873, 0.5, 1], classIDs: [0, 1, 95])
        #expect((0..<3).map { annotator.label(at: $0, of: detections) } == ["person 0.87", "bicycle 0.50", "class 95 1.00"])
        var tracked = detections
        tracked.trackIDs = [12, 3, 7]
        #expect(annotator.label(at: 0, of: tracked) == "#12 person 0.87")
        #expect(Annotator(classNames: ["café"]).label(at: 0, of: Detections(boxes: [Box(x: 0, y: 0, width: 1, height: 1)],
                                                                              scores: [0.5], classIDs: [0])) == "caf? 0.50")
        #expect(BoxColor.forClass(0) == BoxColor(hex: 0xA351FB))
        #expect(BoxColor.forClass(21) == BoxColor.forClass(0) && BoxColor.forClass(-1) == BoxColor.palette.last)
        #expect(BoxColor(hex: 0xA351FB).textColor == .black)
        #expect(BoxColor(hex: 0x0019EF).textColor == .white && BoxColor(hex: 0x530087).textColor == .white)
        #expect(BoxColor(hex: 0xFFB633).textColor == .black)
    }

    @Test("a label goes above its box, inside it at the frame's top edge, and within the frame at its right edge")
    func labelPlacement() async throws {
        try await onThread {
            let decoder = try VideoDecoder(source: try FileByteSource(path: TestData.tud))
            let buffer = decoder.makeBuffer()
            _ = try decoder.nextFrame()
            let annotator = Annotator(classNames: ["person"])
            let style = AnnotationStyle(width: 640, height: 480)
            let placed = { (box: Box) in
                try annotator.placeLabel("person 1.00", over: box.pixelBox(width: 640, height: 480)!, style: style, frame: buffer)
            }
            let middle = try placed(Box(x: 200, y: 200, width: 60, height: 120))
            #expect(middle.top + middle.height <= 200 && middle.left == 199)
            let top = try placed(Box(x: 200, y: 2, width: 60, height: 120))
            #expect(top.top == 1 && top.top + top.height > 2)
            let right = try placed(Box(x: 620, y: 200, width: 20, height: 120))
            #expect(right.left + right.width == 640)

            // Drawn: the label's pixels are the class colour or the text's, on the real frame.
            decoder.convert(into: buffer, number: 0)
            try annotator.draw(Detections(boxes: [Box(x: 200, y: 2, width: 60, height: 120)], scores: [1], classIDs: [0]), on: buffer)
            let image = Snapshot(buffer)
            let inside = image.pixel(top.left + 1, top.top + top.height - 2)
            #expect(inside.distance(to: Self.person) == 0, "label background at its bottom-left: \(inside)")
        }
    }

    // MARK: - Helpers

    /// Decodes the first `frames` frames of `input`, draws `boxes(frame)` on each as class 0
    /// (person, score 1; with `trackIDs`, ids 1, 2, ...), encodes them to `output` at the input's
    /// rate, and finishes with the input's audio when `audio`.
    static func annotate(_ input: String, to output: String, frames: Int, audio: Bool, trackIDs: Bool = false,
                         options: EncoderOptions = EncoderOptions(),
                         boxes: (Int) -> [Box]) throws -> (EncodedVideo, FrameRate) {
        let decoder = try VideoDecoder(source: try FileByteSource(path: input))
        let encoder = try VideoEncoder(path: output, width: decoder.width, height: decoder.height,
                                       frameRate: decoder.frameRate, options: options)
        let annotator = Annotator(classNames: ["person"])
        let buffer = decoder.makeBuffer()
        var count = 0
        while count < frames, let number = try decoder.nextFrame() {
            decoder.convert(into: buffer, number: number)
            let drawn = boxes(number)
            try annotator.draw(Detections(boxes: drawn, scores: drawn.map { _ in 1 }, classIDs: drawn.map { _ in 0 },
                                          trackIDs: trackIDs ? drawn.indices.map { $0 + 1 } : nil),
                               on: buffer)
            try encoder.write(buffer)
            count += 1
        }
        let encoded = try encoder.finish(copyingAudioFrom: audio ? try FileByteSource(path: input) : nil)
        return (encoded, decoder.frameRate)
    }

    struct Comparison: Sendable {
        var outputFrames = 0
        /// Largest channel difference from the class colour, on box edges, in the output and the input.
        var edgeDistances: [Int] = []
        var edgeDistancesBefore: [Int] = []
        /// Mean absolute difference, output against input, of 8x8 patches far from every box.
        var farDifferences: [Double] = []

        var medianEdgeDistance: Int { edgeDistances.sorted()[edgeDistances.count / 2] }
        var medianEdgeDistanceBefore: Int { edgeDistancesBefore.sorted()[edgeDistancesBefore.count / 2] }
        var meanFarDifference: Double { farDifferences.reduce(0, +) / Double(farDifferences.count) }
    }

    /// Decodes the output and the input side by side: on every 10th frame, the middle of each
    /// box's left edge and the patches far from any box.
    static func compare(output: String, input: String, frames: Int, boxes: (Int) -> [Box]) throws -> Comparison {
        let decoded = try VideoDecoder(source: try FileByteSource(path: output))
        let original = try VideoDecoder(source: try FileByteSource(path: input))
        let decodedBuffer = decoded.makeBuffer(), originalBuffer = original.makeBuffer()
        var result = Comparison()
        while let number = try decoded.nextFrame() {
            result.outputFrames += 1
            guard let originalNumber = try original.nextFrame(), originalNumber == number else {
                throw TestFailure("the output's frame \(number) has no input frame of that number")
            }
            guard number % 10 == 5 else { continue }
            decoded.convert(into: decodedBuffer, number: number)
            original.convert(into: originalBuffer, number: number)
            let after = Snapshot(decodedBuffer), before = Snapshot(originalBuffer)
            let visible = boxes(number).compactMap { $0.pixelBox(width: after.width, height: after.height) }
            for box in visible where box.left >= 3 && box.width >= 8 && box.height >= 16 {
                let (x, y) = (Int(box.left), Int(box.top + box.height / 2))
                result.edgeDistances.append(after.pixel(x, y).distance(to: person))
                result.edgeDistancesBefore.append(before.pixel(x, y).distance(to: person))
            }
            // A label sits above its box and may be wider than it: keep clear of both, with a margin.
            let style = AnnotationStyle(width: after.width, height: after.height)
            let labelWidth = Double(try Annotator.textSize("#99 person 1.00", style: style).width) * 1.3
            let margin = 48.0 * Double(after.height) / 480
            for y in stride(from: 4, to: after.height - 12, by: 24) {
                for x in stride(from: 4, to: after.width - 12, by: 24) {
                    let near = visible.contains { box in
                        Double(x + 8) > box.left - margin && Double(x) < max(box.right, box.left + labelWidth) + margin
                            && Double(y + 8) > box.top - margin && Double(y) < box.bottom + margin
                    }
                    if !near { result.farDifferences.append(after.meanDifference(from: before, x: x, y: y, size: 8)) }
                }
            }
        }
        return result
    }
}

/// A frame's visible pixels copied out (B, G, R), for reading single pixels.
struct Snapshot {
    let width: Int
    let height: Int
    private var bytes: [UInt8] = []

    init(_ buffer: FrameBuffer) {
        width = buffer.width
        height = buffer.height
        bytes.reserveCapacity(width * height * 3)
        buffer.forEachRow { bytes.append(contentsOf: $0) }
    }

    struct Pixel: CustomStringConvertible {
        var blue: Int, green: Int, red: Int
        /// The largest channel difference.
        func distance(to color: BoxColor) -> Int {
            max(abs(blue - Int(color.blue)), abs(green - Int(color.green)), abs(red - Int(color.red)))
        }
        var description: String { "(b \(blue), g \(green), r \(red))" }
    }

    func pixel(_ x: Int, _ y: Int) -> Pixel {
        let at = (y * width + x) * 3
        return Pixel(blue: Int(bytes[at]), green: Int(bytes[at + 1]), red: Int(bytes[at + 2]))
    }

    func meanDifference(from other: Snapshot, x: Int, y: Int, size: Int) -> Double {
        var total = 0
        for row in y..<(y + size) {
            let mine = (row * width + x) * 3, theirs = (row * other.width + x) * 3
            for offset in 0..<(size * 3) { total += abs(Int(bytes[mine + offset]) - Int(other.bytes[theirs + offset])) }
        }
        return Double(total) / Double(size * size * 3)
    }
}

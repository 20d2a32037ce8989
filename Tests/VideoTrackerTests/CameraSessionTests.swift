import Foundation
import Testing
@testable import VideoTracker

/// `CameraSession` on real streams: ffmpeg serving vtest.avi (PETS09-S2L1) live over HTTP on
/// loopback at its real rate, local files, a server that accepts and then says nothing, and the
/// real detector. Nothing here depends on the machine's speed: waits poll generously, and no frame
/// rate or duration is asserted.
@Suite("CameraSession: live streams and files, detected, tracked and reconnected")
struct CameraSessionTests {
    /// The detector as `mot` makes it (input 640, score floor at ByteTrack's low score), shared.
    static let detector: ObjectDetector = {
        var options = DetectorOptions()
        options.inputSize = DetectorOptions.trackingInputSize
        options.scoreThreshold = Double(ByteTrackOptions().lowScore)
        return try! ObjectDetector(models: TestData.models, options: options)
    }()

    /// What a session's callbacks received, with when each frame came (wall clock, µs).
    final class Received: @unchecked Sendable {
        struct Frame {
            var time: Int64
            var index: Int64
            var streamSeconds: Double?
            var detections: Detections?
            var deliveredAt: Int64
            var width: Int
        }

        private let lock = NSLock()
        private var storedFrames: [Frame] = []
        private var storedStatuses: [CameraStatus] = []
        private var storedStatusTimes: [ContinuousClock.Instant] = []

        var frames: [Frame] { lock.withLock { storedFrames } }
        var statuses: [CameraStatus] { lock.withLock { storedStatuses } }

        func frame(_ frame: CameraFrame) {
            let received = Frame(time: frame.timeMicroseconds, index: frame.index, streamSeconds: frame.streamSeconds,
                                 detections: frame.detections, deliveredAt: CameraSession.now(), width: frame.image.width)
            lock.withLock { storedFrames.append(received) }
        }

        /// When each status came.
        var statusTimes: [ContinuousClock.Instant] { lock.withLock { storedStatusTimes } }

        func status(_ status: CameraStatus) {
            lock.withLock {
                storedStatuses.append(status)
                storedStatusTimes.append(.now)
            }
        }

        /// Polls `condition` every 100 ms for up to `seconds` (a bound for a busy machine, not a speed test).
        func wait(upTo seconds: Double = 90, _ what: String, _ condition: (Received) -> Bool) async throws {
            let giveUp = ContinuousClock.now + .seconds(seconds)
            while !condition(self) {
                guard ContinuousClock.now < giveUp else {
                    throw TestFailure("waited \(seconds) s for \(what); statuses \(statuses), \(frames.count) frames")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func session(_ url: String, _ options: CameraSessionOptions, into received: Received) throws -> CameraSession {
        try CameraSession(url: url, detector: detector, options: options,
                          sink: { received.frame($0) }, onStatus: { received.status($0) })
    }

    /// Stops on a thread of its own (stop joins the session's threads).
    static func stop(_ session: CameraSession) async throws {
        try await onThread { session.stop() }
    }

    // MARK: - Files

    @Test("a local file at 5 fps: every other frame, time = start + pts exactly, index = round(t * 5), ended after the last")
    func fileEndsWithExactTimes() async throws {
        let received = Received()
        var options = CameraSessionOptions(framesPerSecond: 5)
        options.detectEvery = 4
        options.firstTrackID = 501
        let start: Int64 = 1_700_000_000_123_456
        options.fileStartTime = start
        let session = try Self.session(TestData.vtest, options, into: received)
        session.start()
        try await received.wait(upTo: 600, "ended") { $0.statuses.last == .ended }
        try await Self.stop(session)

        #expect(received.statuses == [.connecting, .live, .ended])
        let frames = received.frames
        // vtest.avi: 795 frames at 10 fps; at 5 fps frames 0, 2, ..., 794.
        #expect(frames.map { ($0.time - start) } == Array(stride(from: 0, through: 794, by: 2)).map { Int64($0) * 100_000 })
        for frame in frames {
            let pts = try #require(frame.streamSeconds)
            #expect(frame.time == start + Int64((pts * 1_000_000).rounded()), "time = start + pts")
            #expect(frame.index == Int64((Double(frame.time) / 1_000_000 * 5).rounded()))
        }
        #expect(frames.enumerated().allSatisfy { ($0.offset % 4 == 0) == ($0.element.detections != nil) }, "every 4th detected")
        let ids = frames.flatMap { $0.detections?.trackIDs ?? [] }
        // The tracker runs at 1.25 fps here (every 4th of 5 fps): 219 boxes under 41 ids measured.
        #expect(ids.count > 150 && ids.allSatisfy { $0 >= 501 }, "\(ids.count) tracked boxes, least id \(ids.min() ?? 0)")
        #expect(frames.allSatisfy { Set($0.detections?.trackIDs ?? []).count == $0.detections?.count ?? 0 }, "an id twice on a frame")
        let counters = session.counters
        #expect(counters.framesRead == 795 && counters.framesProcessed == 398 && counters.framesDropped == 0, "\(counters)")
        #expect(counters.lastFrameTime == start + 79_400_000 && counters.reconnects == 0 && counters.lagSeconds == 0)
        // Pictures are decoded into a few reused buffers (the sink keeps none): memory stays flat.
        #expect(session.buffersAllocated <= 12, "\(session.buffersAllocated) buffers for 398 frames")
    }

    @Test("a file's start time defaults to its creation_time")
    func fileStartsAtCreationTime() async throws {
        let clip = temporaryFolder("camera-clip").appendingPathComponent("clip.mp4")
        defer { try? FileManager.default.removeItem(at: clip.deletingLastPathComponent()) }
        try await MediaProbe.ffmpeg(["-i", TestData.vtest, "-frames:v", "20", "-c:v", "libx264", "-preset", "ultrafast",
                                     "-metadata", "creation_time=2024-05-01T12:00:00Z", clip.path])
        let received = Received()
        var options = CameraSessionOptions(framesPerSecond: 10)
        options.detectEvery = 100
        let session = try Self.session(clip.path, options, into: received)
        session.start()
        try await received.wait("ended") { $0.statuses.last == .ended }
        try await Self.stop(session)
        let creation: Int64 = 1_714_564_800_000_000  // MP4 keeps whole seconds
        #expect(received.frames.map(\.time) == (0..<20).map { creation + Int64($0) * 100_000 })
    }

    @Test("a missing file fails at once, without retrying")
    func missingFileFails() async throws {
        let received = Received()
        let session = try Self.session("/nonexistent/camera.ts", CameraSessionOptions(framesPerSecond: 5), into: received)
        session.start()
        try await received.wait("failed") { $0.statuses.last?.name == "failed" }
        try await Self.stop(session)
        #expect(received.statuses.count == 2 && received.statuses.first == .connecting, "\(received.statuses)")
        #expect(received.statuses.last?.reason?.contains("No such file") == true, "\(received.statuses)")
    }

    @Test("JPEGEncoder: a frame's JPEG decodes (ffmpeg) to the same size and nearly the same pixels")
    func jpegOfFrame() async throws {
        let folder = temporaryFolder("camera-jpeg")
        defer { try? FileManager.default.removeItem(at: folder) }
        let jpeg = folder.appendingPathComponent("frame.jpg"), raw = folder.appendingPathComponent("frame.bgr")
        let (frame, bytes) = try await onThread { () -> (FrameBuffer, [UInt8]) in
            let decoder = try VideoDecoder(source: try FileByteSource(path: TestData.vtest))
            try decoder.seek(toFrame: 100)
            let frame = decoder.makeBuffer()
            decoder.convert(into: frame, number: 100)
            return (frame, try JPEGEncoder(quality: 85).encode(frame))
        }
        #expect(bytes.starts(with: [0xFF, 0xD8]) && bytes.count < 768 * 576 * 3 / 5, "\(bytes.count) bytes")
        try Data(bytes).write(to: jpeg)
        try await MediaProbe.ffmpeg(["-i", jpeg.path, "-f", "rawvideo", "-pix_fmt", "bgr24", raw.path])
        let decoded = try Data(contentsOf: raw)
        try #require(decoded.count == 768 * 576 * 3, "\(decoded.count) bytes decoded")
        var difference = 0, offset = 0
        frame.forEachRow { row in
            for byte in row {
                difference += abs(Int(byte) - Int(decoded[offset]))
                offset += 1
            }
        }
        let mean = Double(difference) / Double(decoded.count)
        #expect(mean < 4, "mean difference \(mean) a channel")
    }

    // MARK: - Stalls

    @Test("stop() interrupts a connection to a server that accepts and sends nothing", .timeLimit(.minutes(3)))
    func stopInterruptsStall() async throws {
        let server = try SilentServer()
        defer { server.close() }
        let received = Received()
        var options = CameraSessionOptions(framesPerSecond: 5)
        options.stallTimeout = .seconds(3600)  // only stop() can end the wait
        let session = try Self.session("http://127.0.0.1:\(server.port)/live.ts", options, into: received)
        session.start()
        try await received.wait("a connection") { _ in server.accepted >= 1 }
        try await Self.stop(session)  // returns: the blocking open was interrupted
        #expect(received.statuses == [.connecting])
        #expect(received.frames.isEmpty)
    }

    @Test("a silent server times out after the stall timeout and is retried", .timeLimit(.minutes(3)))
    func stallTimesOutAndRetries() async throws {
        let server = try SilentServer()
        defer { server.close() }
        let received = Received()
        var options = CameraSessionOptions(framesPerSecond: 5)
        options.stallTimeout = .seconds(1)
        let session = try Self.session("http://127.0.0.1:\(server.port)/live.ts", options, into: received)
        session.start()
        try await received.wait("two attempts") { $0.statuses.count >= 3 && server.accepted >= 2 }
        try await Self.stop(session)
        let statuses = received.statuses
        #expect(statuses.first == .connecting)
        #expect(statuses.dropFirst().allSatisfy { $0 == .reconnecting(reason: "no answer for 1 s") }, "\(statuses)")
        #expect(session.counters.reconnects == 0, "never live, so never a reconnect")
    }

    // MARK: - Live

    /// ffmpeg serving vtest.avi from `from` seconds as live MPEG-TS over HTTP (one client, at the
    /// video's real rate, H.264 with a keyframe a second), timestamps shifted by `from` so a restart
    /// continues the clock: a camera that went away and came back.
    final class LiveServer: @unchecked Sendable {
        let process = Process()

        /// `loop`: vtest.avi (80 s) again and again, for a stream that must outlast it.
        init(port: Int, from start: Double, seconds: Double, loop: Bool = false) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            process.arguments = ["-hide_banner", "-loglevel", "error", "-re"] + (loop ? ["-stream_loop", "-1"] : [])
                + ["-ss", String(start), "-i", TestData.vtest,
                                 "-t", String(seconds), "-an", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                                 "-g", "10", "-output_ts_offset", String(start), "-f", "mpegts", "-listen", "1",
                                 "http://127.0.0.1:\(port)/live.ts"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Polls the kernel's socket table until ffmpeg listens on `port` (connecting to find out would
        /// take its one client's place).
        static func waitUntilListening(port: Int) async throws {
            let hexPort = String(format: ":%04X ", port)
            for _ in 0..<600 {
                let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
                if table.split(separator: "\n").contains(where: { $0.contains(hexPort) && $0.contains(" 0A ") }) { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("ffmpeg never listened on \(port)")
        }

        /// Gone at once, as a crashed camera server.
        func kill() {
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        deinit { kill() }
    }

    /// PETS09-S2L1's people by decoded frame: (person, box), rows of conf 0 left out.
    static func petsPeople() throws -> [Int: [(person: Int, box: Box)]] {
        let text = try String(contentsOfFile: TestData.path("mot/PETS09-S2L1/gt/gt.txt"), encoding: .utf8)
        var people: [Int: [(person: Int, box: Box)]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let values = line.split(separator: ",").compactMap { Double($0) }
            guard values.count >= 7, values[6] != 0 else { continue }
            people[Int(values[0]) - 1, default: []].append((Int(values[1]), Box(x: values[2], y: values[3], width: values[4], height: values[5])))
        }
        return people
    }

    @Test("live HTTP MPEG-TS from ffmpeg: connecting -> live, people tracked against PETS09's truth, killed and restarted: reconnecting -> live, 1 reconnect, no id given to another person",
          .timeLimit(.minutes(10)))
    func liveStreamReconnects() async throws {
        let port = try freePort()
        var server: LiveServer? = try LiveServer(port: port, from: 0, seconds: 60)
        let received = Received()
        var options = CameraSessionOptions(framesPerSecond: 5)
        options.firstTrackID = 1001
        // Every frame sampled is processed however slow the machine (a long queue instead of dropping):
        // the scores below do not depend on its speed.
        options.queueLength = 1000
        let session = try Self.session("http://127.0.0.1:\(port)/live.ts", options, into: received)
        try await LiveServer.waitUntilListening(port: port)
        let startedAt = CameraSession.now()
        session.start()
        defer { session.stop() }

        // 15 s of the stream, then the server dies.
        try await received.wait(upTo: 180, "15 s of stream") { $0.frames.contains { ($0.streamSeconds ?? 0) >= 15 } }
        server?.kill()
        try await received.wait("reconnecting") { $0.statuses.contains { $0.name == "reconnecting" } }
        // It comes back showing what a camera that never stopped would show when the session's first
        // retry (0.5 s after the drop) connects: ffmpeg plays in real time from its client's connection,
        // which was when the session began connecting. The tracker ages tracks by the time the drop
        // lasted; the people moved on by as much.
        let connectingAt = received.statusTimes[0], droppedAt = received.statusTimes[2]
        let resume = (((droppedAt - connectingAt) / .seconds(1) + ReconnectBackoff.first) * 10).rounded() / 10
        server = try LiveServer(port: port, from: resume, seconds: 30)
        try await received.wait(upTo: 180, "live again") { $0.statuses.filter { $0 == .live }.count == 2 }
        // 10 s of the second connection (its timestamps start again at 0).
        try await received.wait(upTo: 180, "10 s after the reconnect") { received in
            let times = received.frames.compactMap(\.streamSeconds)
            guard let drop = times.indices.dropLast().first(where: { times[$0 + 1] < times[$0] }) else { return false }
            return times[(drop + 1)...].contains { $0 >= 10 }
        }
        try await Self.stop(session)
        server?.kill()

        let statuses = received.statuses
        #expect(Array(statuses.prefix(2)) == [.connecting, .live], "\(statuses)")
        // Live again after the drop. On a busy machine the queued frames may outlast the second
        // server's 30 s, so its end (more reconnecting) can follow: not asserted either way.
        let relive = try #require(statuses.dropFirst(2).firstIndex(of: .live), "\(statuses)")
        #expect(statuses[2..<relive].allSatisfy { $0.name == "reconnecting" } && relive > 2, "\(statuses)")
        #expect(session.counters.reconnects >= 1 && session.counters.framesDropped == 0, "\(session.counters)")

        // Times go forward, one frame per index, never ahead of their delivery (how far behind it
        // depends on the machine's speed: every frame is queued and processed).
        let frames = received.frames
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.time < $1.time && $0.index < $1.index })
        #expect(frames.allSatisfy { $0.index == Int64((Double($0.time) / 1_000_000 * 5).rounded()) })
        #expect(frames.allSatisfy { $0.time >= startedAt && $0.time <= $0.deliveredAt + 1_000_000 })

        // Each frame's place in vtest.avi: its timestamp, plus where the restarted server began.
        var segment = 0
        var sourceFrames: [Int] = [], segmentOf: [Int] = []
        var previous = -1.0
        for frame in frames {
            let seconds = try #require(frame.streamSeconds)
            if seconds < previous { segment += 1 }
            previous = seconds
            segmentOf.append(segment)
            sourceFrames.append(Int(((segment == 0 ? 0 : resume) + seconds) * 10 + 0.5))
        }
        #expect(segment == 1)
        #expect(sourceFrames.indices.dropFirst().allSatisfy { sourceFrames[$0] > sourceFrames[$0 - 1] }, "each frame of the video once")
        // Sampled down to 5 fps: within a connection, frames at least 0.2 s apart.
        for offset in sourceFrames.indices.dropFirst() where segmentOf[offset] == segmentOf[offset - 1] {
            #expect(sourceFrames[offset] - sourceFrames[offset - 1] >= 2,
                    "frames \(sourceFrames[offset - 1]) and \(sourceFrames[offset]): times \(frames[offset - 1].time) and \(frames[offset].time)")
        }

        // Scored against the ground truth on the frames processed (MOTChallenge's rules, mot_score.py).
        let folder = temporaryFolder("camera-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let truth = try Self.petsPeople()
        var trackRows = "", truthRows = ""
        var personOfID: [Int: [Int: [Int: Int]]] = [:]  // id -> segment -> person -> frames
        for (offset, frame) in frames.enumerated() {
            let segment = segmentOf[offset]
            guard let detections = frame.detections, let ids = detections.trackIDs else { continue }
            let number = sourceFrames[offset]
            let people = truth[number] ?? []
            for (index, box) in detections.boxes.enumerated() {
                trackRows += "\(number + 1),\(ids[index]),\(box.left),\(box.top),\(box.width),\(box.height),\(detections.scores[index]),-1,-1,-1\n"
            }
            for person in people {
                truthRows += "\(number + 1),\(person.person),\(person.box.left),\(person.box.top),\(person.box.width),\(person.box.height),1,1,1\n"
            }
            for (track, label) in optimalPairs(detections.boxes, people.map(\.box)) {
                personOfID[ids[track], default: [:]][segment, default: [:]][people[label].person, default: 0] += 1
            }
        }
        try trackRows.write(to: folder.appendingPathComponent("tracks.txt"), atomically: true, encoding: .utf8)
        try truthRows.write(to: folder.appendingPathComponent("gt.txt"), atomically: true, encoding: .utf8)
        let script = TestData.repoRoot.appendingPathComponent("Tests/Reference/mot_score.py").path
        let scored = try await runProcess(ReferencePython.path, [script, folder.appendingPathComponent("gt.txt").path,
                                                                 folder.appendingPathComponent("tracks.txt").path])
        try #require(scored.status == 0, "\(scored.errorOutput)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: scored.stdout) as? [String: Any])
        let mota = try #require(metrics["mota"] as? Double), idf1 = try #require(metrics["idf1"] as? Double)
        let switches = try #require(metrics["num_switches"] as? Int)
        print("camera live: \(frames.count) frames, dropped \(session.counters.framesDropped), MOTA \(mota), IDF1 \(idf1), "
              + "\(switches) switches, resumed at \(resume) s, statuses \(statuses), ids \(Set(frames.flatMap { $0.detections?.trackIDs ?? [] }).sorted())")
        // Measured 0.596 / 0.567 (16 switches) at 5 fps over 108 frames; a busy machine drops frames.
        #expect(mota >= 0.45, "MOTA \(mota)")
        #expect(idf1 >= 0.45, "IDF1 \(idf1)")

        let ids = frames.flatMap { $0.detections?.trackIDs ?? [] }
        #expect(!ids.isEmpty && ids.allSatisfy { $0 >= 1001 })
        // The tracker outlives the connection: after a short drop (shorter than ByteTrack's 2 s buffer)
        // some ids go on. Which person a lost track meets after a gap is ByteTrack's guess (it may swap
        // two people walking side by side, as after an occlusion): reported, not asserted.
        var kept: [Int] = [], swapped: [Int] = []
        for (id, bySegment) in personOfID where bySegment.count == 2 {
            let before = bySegment[0]!.max { $0.value < $1.value }!.key, after = bySegment[1]!.max { $0.value < $1.value }!.key
            if before == after { kept.append(id) } else { swapped.append(id) }
        }
        // That holds only if the restarted ffmpeg shows what a camera that never stopped would show,
        // which needs the session to have reconnected when this test guessed (its first retry): how
        // far picture and clock disagree after the drop is measured (capture time minus place in the
        // video, after the drop against before), and so is the gap.
        func median(_ values: [Int64]) -> Int64 { values.sorted()[values.count / 2] }
        let clockMinusPicture = (0...1).map { part in
            median(frames.indices.filter { segmentOf[$0] == part }.map { frames[$0].time - Int64(sourceFrames[$0]) * 100_000 })
        }
        let mismatch = Double(clockMinusPicture[1] - clockMinusPicture[0]) / 1_000_000
        let firstAfter = try #require(segmentOf.firstIndex(of: 1))
        let gap = Double(frames[firstAfter].time - frames[firstAfter - 1].time) / 1_000_000
        print("camera live: a gap of \(gap) s; ids across it with their person \(kept.sorted()), with another \(swapped.sorted()); "
              + "picture and clock disagree by \(mismatch) s after it")
        if abs(mismatch) <= 0.3 && gap <= 1.6 {
            #expect(!(kept + swapped).isEmpty, "no id went on across a \(gap) s gap")
        }
        // Every id first seen after the drop is new: above every id seen before it.
        let beforeIDs = Set(zip(frames, segmentOf).filter { $1 == 0 }.flatMap { $0.0.detections?.trackIDs ?? [] })
        let afterIDs = Set(zip(frames, segmentOf).filter { $1 == 1 }.flatMap { $0.0.detections?.trackIDs ?? [] })
        #expect(afterIDs.subtracting(beforeIDs).allSatisfy { $0 > beforeIDs.max() ?? 0 })
    }

    @Test("live HLS (a playlist ffmpeg is writing): connecting -> live, frames at 5 fps with people tracked", .timeLimit(.minutes(5)))
    func liveHLS() async throws {
        let folder = temporaryFolder("camera-hls")
        defer { try? FileManager.default.removeItem(at: folder) }
        let playlist = folder.appendingPathComponent("live.m3u8")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        writer.arguments = ["-hide_banner", "-loglevel", "error", "-re", "-i", TestData.vtest, "-t", "40", "-an", "-c:v", "libx264",
                            "-preset", "ultrafast", "-g", "10", "-f", "hls", "-hls_time", "1", "-hls_list_size", "5",
                            "-hls_flags", "delete_segments", playlist.path]
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        defer {
            Glibc.kill(writer.processIdentifier, SIGKILL)
            writer.waitUntilExit()
        }
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: playlist.path) { try await Task.sleep(for: .milliseconds(100)) }

        let received = Received()
        let session = try Self.session(playlist.path, CameraSessionOptions(framesPerSecond: 5), into: received)
        session.start()
        defer { session.stop() }
        try await received.wait(upTo: 180, "25 frames") { $0.frames.count >= 25 }
        try await Self.stop(session)
        #expect(received.statuses == [.connecting, .live], "\(received.statuses)")
        let frames = received.frames
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.time < $1.time && $0.index < $1.index })
        let seconds = frames.compactMap(\.streamSeconds)
        #expect(seconds.count == frames.count && zip(seconds, seconds.dropFirst()).allSatisfy { $1 - $0 >= 0.199 }, "\(seconds)")
        // vtest never shows fewer than three people; which of its seconds the live edge starts at
        // depends on the machine's speed, so the floor is one tracked person a frame on average.
        let tracked = frames.reduce(0) { $0 + ($1.detections?.count ?? 0) }
        #expect(tracked >= frames.count, "people tracked: \(tracked) over \(frames.count) frames")
    }

    // MARK: - Tracking across a gap

    @Test("the tracker ages lost tracks by the frames a gap lasted: 1.5 s keeps an id, 2.5 s does not")
    func trackerAgesByElapsedFrames() {
        func run(gapFrames: Int) -> (before: Int, after: Int?) {
            let tracker = MultiObjectTracker(framesPerSecond: 10, firstTrackID: 41)
            let box = Box(x: 100, y: 100, width: 40, height: 100)
            var id = 0
            for _ in 0..<10 {
                let tracks = tracker.update(Detections(boxes: [box], scores: [0.9], classIDs: [0]))
                id = tracks.trackIDs?.first ?? 0
            }
            _ = tracker.update(Detections())  // lost from here
            let tracks = tracker.update(Detections(boxes: [box], scores: [0.9], classIDs: [0]), elapsedFrames: gapFrames)
            let again = tracker.update(Detections(boxes: [box], scores: [0.9], classIDs: [0]))
            return (id, tracks.trackIDs?.first ?? again.trackIDs?.first)
        }
        let short = run(gapFrames: 15), long = run(gapFrames: 25)
        #expect(short.before == 41 && short.after == 41, "\(short)")
        #expect(long.before == 41 && long.after == 42, "\(long)")
    }
}

/// A TCP server on loopback that accepts connections and never sends a byte.
final class SilentServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []
    private var closed = false

    init() throws {
        (listener, port) = try listenOnLoopback(backlog: 16, what: "silent server")
        Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                lock.withLock { connections.append(connection) }
            }
        }.start()
    }

    var accepted: Int { lock.withLock { connections.count } }

    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            shutdown(listener, Int32(SHUT_RDWR))
            Glibc.close(listener)
            for connection in connections { Glibc.close(connection) }
        }
    }
}

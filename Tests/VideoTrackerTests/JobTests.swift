import Foundation
import Testing
import VideoTracker
import VideoTrackerStore

/// Detection jobs through the real binary: `serve` with the shared models and a data folder of
/// its own, real multipart uploads, real videos, the real SQLite file.
@Suite("Detection jobs", .serialized)
struct JobTests {
    static let crossingBytes = FileManager.default.contents(atPath: TestData.crossing) ?? Data()
    /// Detecting on every 10th frame: for tests about the jobs rather than the detections, a
    /// tenth of the CPU (the other suites run at the same time on this 2-core machine).
    static let light = [("every", "10")]

    /// The service with the models, fetching from loopback (the test servers).
    static func service(_ extra: [String] = []) async throws -> ServiceProcess {
        try await ServiceProcess(arguments: ["--models", TestData.models, "--allow-private-networks"] + extra)
    }

    /// What `video-tracker detect` writes for the same video and options: the job must store exactly this.
    static func cliDetections(_ path: String, format: String = "json", options: [String] = []) async throws -> Data {
        let result = try await runTracker(["detect", "--url", path, "--models", TestData.models, "--format", format] + options)
        guard result.status == 0 else { throw TestFailure("video-tracker detect failed: \(result.errorOutput)") }
        return result.stdout
    }

    /// What `video-tracker mot` writes for the same video and options: MOT rows, the JSON log and
    /// the annotated video (its path, in `folder`).
    static func cliTracks(_ path: String, options: [String], folder: TemporaryFolder) async throws -> (mot: Data, json: Data, video: String) {
        let video = folder.path("mot.mp4"), json = folder.path("mot.json")
        let result = try await runTracker(["mot", "--url", path, "--models", TestData.models, "--json", json, "--video", video] + options)
        guard result.status == 0 else { throw TestFailure("video-tracker mot failed: \(result.errorOutput)") }
        return (result.stdout, try Data(contentsOf: URL(fileURLWithPath: json)), video)
    }

    @Test("an upload: 202 at once, then done with every frame; its detections equal the CLI's and find the walker; DELETE removes it and its files")
    func uploadToDone() async throws {
        let service = try await Self.service()
        let posted = try await service.postJob(try MultipartForm.video(TestData.crossing, fields: [("score", "0.3"), ("every", "1")]))
        #expect(posted.status == 202, "\(posted.text)")
        let id = try #require(posted.json?["id"] as? String)
        #expect(posted.json?["status"] as? String == "queued" && posted.json?.count == 2, "\(posted.text)")
        #expect(posted.headers["location"] == "/jobs/\(id)")

        let job = try await service.waitForJob(id)
        #expect(job["status"] as? String == "done", "\(job)")
        let progress = try #require(job["progress"] as? [String: Any])
        #expect(progress["frames_done"] as? Int == 120 && progress["frames_total"] as? Int == 120 && progress["fraction"] as? Double == 1)
        let video = try #require(job["video"] as? [String: Any])
        #expect(video["name"] as? String == "Crossing.mp4" && video["source"] as? String == "upload")
        #expect(video["bytes"] as? Int == Self.crossingBytes.count)
        let list = try await httpBytes(service.baseURL + "/jobs")
        let listed = try #require(list.json?["jobs"] as? [[String: Any]])
        #expect(listed.map { $0["id"] as? String } == [id] && listed.first?["status"] as? String == "done")

        // The stored detections are the library's, byte for byte, in every format.
        for format in ["json", "mot", "coco"] {
            let served = try await httpBytes(service.baseURL + "/jobs/\(id)/detections?format=\(format)")
            #expect(served.status == 200)
            #expect(served.body == (try await Self.cliDetections(TestData.crossing, format: format, options: ["--score", "0.3"])),
                    "\(format) differs from video-tracker detect")
        }
        let detections = try #require(try await httpBytes(service.baseURL + "/jobs/\(id)/detections").json)
        // The walker, whom the OTB ground truth follows, is a detected person on nearly every frame
        // (measured: IoU >= 0.5 on 109 of 120 frames, mean best IoU 0.64).
        let truth = try TestData.crossingTruth()
        let best = (0..<120).map { frame in
            detectedObjects(detections, frame: frame).filter { $0.name == "person" }
                .map { $0.box.intersectionOverUnion(truth[frame]!) }.max() ?? 0
        }
        #expect(best.filter { $0 >= 0.5 }.count >= 100, "frames where a person matches the walker: \(best)")
        #expect(best.reduce(0, +) / 120 >= 0.55)

        let deleted = try await httpBytes(service.baseURL + "/jobs/\(id)", method: "DELETE")
        #expect(deleted.status == 204)
        #expect(try await httpBytes(service.baseURL + "/jobs/\(id)").status == 404)
        #expect(try await httpBytes(service.baseURL + "/jobs/\(id)/video").status == 404)
        #expect(try await httpBytes(service.baseURL + "/jobs/\(id)", method: "DELETE").status == 404)
        #expect(try service.jobFolders().isEmpty, "the job's files are gone")
    }

    @Test("the annotated MP4 of a done job: H.264 with every frame, served whole and in ranges (206, Content-Range; 416 past the end)")
    func annotatedVideo() async throws {
        let service = try await Self.service()
        let id = try await service.submitJob(try MultipartForm.video(TestData.crossing, fields: Self.light))
        #expect(try await service.waitForJob(id)["status"] as? String == "done")
        #expect(try await service.job(id)["links"].flatMap { ($0 as? [String: Any])?["video"] as? String } == "/jobs/\(id)/video")
        let whole = try await httpBytes(service.baseURL + "/jobs/\(id)/video")
        #expect(whole.status == 200 && whole.headers["content-type"] == "video/mp4" && whole.headers["accept-ranges"] == "bytes")
        #expect(whole.headers["content-length"] == String(whole.body.count) && whole.body.count > 1000)
        let probe = try await ffprobe(whole.body)
        #expect(probe.contains("codec_name=h264") && probe.contains("width=360") && probe.contains("height=240")
                && probe.contains("nb_read_frames=120"), "\(probe)")
        let size = whole.body.count
        let first = try await httpBytes(service.baseURL + "/jobs/\(id)/video", headers: ["Range: bytes=0-99"])
        #expect(first.status == 206 && first.headers["content-range"] == "bytes 0-99/\(size)" && first.body == whole.body.prefix(100))
        let middle = try await httpBytes(service.baseURL + "/jobs/\(id)/video", headers: ["Range: bytes=1000-"])
        #expect(middle.status == 206 && middle.headers["content-range"] == "bytes 1000-\(size - 1)/\(size)" && middle.body == whole.body.dropFirst(1000))
        let suffix = try await httpBytes(service.baseURL + "/jobs/\(id)/video", headers: ["Range: bytes=-500"])
        #expect(suffix.status == 206 && suffix.headers["content-range"] == "bytes \(size - 500)-\(size - 1)/\(size)" && suffix.body == whole.body.suffix(500))
        let past = try await httpBytes(service.baseURL + "/jobs/\(id)/video", headers: ["Range: bytes=\(size)-"])
        #expect(past.status == 416 && past.headers["content-range"] == "bytes */\(size)" && past.errorCode == "range_not_satisfiable")
        let backwards = try await httpBytes(service.baseURL + "/jobs/\(id)/video", headers: ["Range: bytes=50-10"])
        #expect(backwards.status == 416)
        let several = try await httpBytes(service.baseURL + "/jobs/\(id)/video", headers: ["Range: bytes=0-9,20-29"])
        #expect(several.status == 200 && several.body == whole.body, "several ranges: the whole file, as RFC 9110 allows")
    }

    @Test("a url job fetches the video into its folder and detects the same as an upload; one over the size limit fails")
    func urlJob() async throws {
        let server = try await Fixtures.shared.videoServer()
        let service = try await Self.service(["--max-upload-bytes", "4000000"])
        var form = MultipartForm()
        form.field("url", server.url("crossing.mp4"))
        form.field("every", "10")
        form.field("classes", "person")
        let id = try await service.submitJob(form)
        let job = try await service.waitForJob(id)
        #expect(job["status"] as? String == "done", "\(job)")
        #expect((job["video"] as? [String: Any])?["url"] as? String == server.url("crossing.mp4"))
        let served = try await httpBytes(service.baseURL + "/jobs/\(id)/detections?format=mot")
        #expect(served.body == (try await Self.cliDetections(TestData.crossing, format: "mot", options: ["--classes", "person", "--every", "10"])))

        // vtest.avi is 8 MB: the fetch stops at the limit and the job says why.
        var big = MultipartForm()
        big.field("url", server.url("vtest.avi"))
        let refused = try await service.waitForJob(try await service.submitJob(big))
        #expect(refused["status"] as? String == "failed")
        #expect((refused["error"] as? [String: Any])?["code"] as? String == "video_too_large", "\(refused)")
        #expect(try service.jobFolders().count == 2 && !(try service.jobFolderFiles()).contains { $0.hasSuffix(".partial") })

        // A page instead of a video, and a missing one: the job fails and says why.
        let faulty = try await Fixtures.shared.faultyServer()
        for (path, code) in [("/html", "not_a_video"), ("/ok/missing.mp4", "upstream_http_404")] {
            var form = MultipartForm()
            form.field("url", faulty.url(path))
            let failed = try await service.waitForJob(try await service.submitJob(form))
            let error = failed["error"] as? [String: Any]
            #expect(failed["status"] as? String == "failed" && error?["code"] as? String == code, "\(path): \(failed)")
        }
    }

    @Test("bad input: not a video, a cut MP4, zero bytes (422 naming the part); no video, both, unknown or bad options (400 naming them); unknown jobs (404)")
    func badInput() async throws {
        let service = try await Self.service()
        func post(_ form: MultipartForm) async throws -> HTTPBytes { try await service.postJob(form) }
        func file(_ name: String, _ contents: Data, fields: [(String, String)] = []) -> MultipartForm {
            var form = MultipartForm()
            for (field, value) in fields { form.field(field, value) }
            form.file("video", filename: name, contents: contents)
            return form
        }

        let text = try await post(file("notes.mp4", Data("just some text, not a video\n".utf8)))
        #expect(text.status == 422 && text.errorCode == "not_a_video" && text.errorField == "video", "\(text.text)")
        // Crossing.mp4 keeps its index at the end: the first half has none.
        let halfIndexLast = try await post(file("half.mp4", Self.crossingBytes.prefix(Self.crossingBytes.count / 2)))
        #expect(halfIndexLast.status == 422 && halfIndexLast.errorField == "video", "\(halfIndexLast.text)")
        // A faststart MP4 cut in half opens (its index is first) but its last frames are not there.
        let faststart = try Data(contentsOf: URL(fileURLWithPath: try await Fixtures.shared.path(of: "h264-faststart.mp4")))
        let cut = try await post(file("cut.mp4", faststart.prefix(faststart.count / 2)))
        #expect(cut.status == 422 && cut.errorCode == "not_a_video" && cut.errorField == "video" && cut.text.contains("cut short"), "\(cut.text)")
        let empty = try await post(file("empty.mp4", Data()))
        #expect(empty.status == 422 && empty.errorField == "video" && empty.text.contains("empty"), "\(empty.text)")

        var nothing = MultipartForm()
        nothing.field("score", "0.5")
        let missing = try await post(nothing)
        #expect(missing.status == 400 && missing.errorCode == "missing_field" && missing.errorField == "video", "\(missing.text)")
        var both = try MultipartForm.video(TestData.crossing)
        both.field("url", "http://127.0.0.1:9/x.mp4")
        #expect(try await post(both).errorField == "url")
        for (field, value, expected) in [("colour", "red", "colour"), ("score", "1.5", "score"), ("score", "high", "score"),
                                         ("every", "0", "every"), ("input_size", "100", "input_size"),
                                         ("classes", "persn", "classes"), ("track", "yes", "track"), ("track", "1", "track"),
                                         ("track", "TRUE", "track")] {
            let answer = try await post(try MultipartForm.video(TestData.crossing, fields: [(field, value)]))
            #expect(answer.status == 400 && answer.errorField == expected, "\(field)=\(value): \(answer.status) \(answer.text)")
        }
        let nearest = try await post(try MultipartForm.video(TestData.crossing, fields: [("classes", "persn")]))
        #expect(nearest.text.contains("person"), "an unknown class name is answered with the nearest: \(nearest.text)")
        let json = try await httpBytes(service.baseURL + "/jobs", method: "POST", body: Data("{}".utf8), contentType: "application/json")
        #expect(json.status == 400 && json.errorField == "Content-Type")
        var ftp = MultipartForm()
        ftp.field("url", "ftp://127.0.0.1/video.mp4")
        #expect(try await post(ftp).errorField == "url")

        // Nothing refused leaves a job or a file behind.
        #expect((try await httpBytes(service.baseURL + "/jobs").json?["jobs"] as? [Any])?.isEmpty == true)
        #expect(try service.jobFolders().isEmpty)

        for path in ["/jobs/abcdefghijklmnop", "/jobs/abcdefghijklmnop/video", "/jobs/abcdefghijklmnop/detections",
                     "/jobs/not-an-id", "/jobs/..%2F..%2Fetc"] {
            let answer = try await httpBytes(service.baseURL + path)
            #expect(answer.status == 404 && answer.errorCode == "job_not_found", "\(path): \(answer.text)")
        }
        #expect(try await httpBytes(service.baseURL + "/jobs/abcdefghijklmnop", method: "DELETE").status == 404)
        let format = try await httpBytes(service.baseURL + "/jobs/abcdefghijklmnop/detections?format=xml")
        #expect(format.status == 400 && format.errorField == "format")
        let method = try await httpBytes(service.baseURL + "/jobs/abcdefghijklmnop", method: "PUT")
        #expect(method.status == 405 && method.headers["allow"] == "GET, DELETE")
    }

    @Test("without the detector's model, a job is refused at once: 422 detector_unavailable")
    func withoutModels() async throws {
        let service = try await ServiceProcess()
        let answer = try await service.postJob(try MultipartForm.video(TestData.crossing))
        #expect(answer.status == 422 && answer.errorCode == "detector_unavailable", "\(answer.text)")
        #expect(try service.jobFolders().isEmpty)
    }

    @Test("an upload over --max-upload-bytes is a 413 while it streams: answered before the body ends, nothing left on disk")
    func uploadTooLarge() async throws {
        let service = try await Self.service(["--max-upload-bytes", "1048576"])
        let boundary = "----video-tracker-test-413"
        let partHead = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"video\"; filename=\"big.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
        // 2 MiB of the announced 64 MiB are sent, then nothing more: only an early answer can arrive.
        let sentBody = partHead + Data(repeating: 0x42, count: 2 << 20)
        let declared = 64 << 20
        let answer = try await postUnfinishedBody(port: service.port, path: "/jobs", contentType: "multipart/form-data; boundary=\(boundary)",
                                                  declaredLength: declared, prefix: sentBody)
        #expect(answer.status == 413, "\(answer.body)")
        #expect(answer.body.contains("video_too_large") && answer.body.contains("\"field\":\"video\""), "\(answer.body)")
        #expect(answer.bytesSent < declared)
        #expect(try service.jobFolders().isEmpty, "the partial upload is deleted")
        #expect((try await httpBytes(service.baseURL + "/jobs").json?["jobs"] as? [Any])?.isEmpty == true)
        #expect(try await httpBytes(service.baseURL + "/healthz").status == 200)
    }

    @Test("a restart loses nothing: a job killed mid-run (SIGKILL) runs again and ends done with the same detections; a queued one stays queued")
    func restartMidJob() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let name = "h264-faststart.mp4"
        let size = try await Fixtures.shared.size(of: name)
        let gate = "restart-\(UUID().uuidString)"
        let dataDirectory = temporaryFolder("restart")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        // The stall timeout is long: the held fetch must wait for the test, not for a clock.
        let arguments = ["--data-dir", dataDirectory.path, "--stall-timeout", "600", "--jobs-concurrency", "1"]

        let first = try await Self.service(arguments)
        var held = MultipartForm()
        held.field("url", faulty.url("/hold/\(gate)/\(size / 2)/\(name)"))
        held.field("every", "10")
        let heldID = try await first.submitJob(held)
        // The faulty server sends half the video, then holds the rest: the job is running until the gate opens.
        _ = try await first.waitForJob(heldID, until: ["running"])
        let queuedID = try await first.submitJob(try MultipartForm.video(TestData.crossing, fields: Self.light))
        #expect(try await first.job(queuedID)["status"] as? String == "queued", "one job at a time: it waits behind the held one")

        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)

        let second = try await Self.service(arguments)
        let rerun = try await second.waitForJob(heldID, until: ["running"])
        #expect(rerun["attempts"] as? Int == 2, "the interrupted job runs again from the start: \(rerun)")
        #expect(try await second.job(queuedID)["status"] as? String == "queued")
        faulty.release(gate)
        let done = try await second.waitForJob(heldID)
        #expect(done["status"] as? String == "done", "\(done)")
        #expect((done["progress"] as? [String: Any])?["frames_done"] as? Int == 120)
        let detections = try await httpBytes(second.baseURL + "/jobs/\(heldID)/detections")
        #expect(detections.body == (try await Self.cliDetections(try await Fixtures.shared.path(of: name), options: ["--every", "10"])))
        let queued = try await second.waitForJob(queuedID)
        #expect(queued["status"] as? String == "done" && queued["attempts"] as? Int == 1, "\(queued)")
    }

    @Test("track=true: the detections linked into tracks exactly as video-tracker mot does (MOT rows and JSON byte for byte, the video frame for frame); the score defaults to 0.1, every class")
    func trackedJob() async throws {
        let service = try await Self.service()
        // An empty score is the default: for a tracking job, ByteTrack's low score.
        let id = try await service.submitJob(try MultipartForm.video(TestData.crossing, fields: [("track", "true"), ("score", "")]))
        let job = try await service.waitForJob(id)
        #expect(job["status"] as? String == "done", "\(job)")
        let options = try #require(job["options"] as? [String: Any])
        #expect(options["track"] as? Bool == true && options["score"] as? Double == 0.1 && options["classes"] == nil
                && options["every"] as? Int == 1 && options["input_size"] as? Int == DetectorOptions.trackingInputSize, "\(options)")

        let json = try await httpBytes(service.baseURL + "/jobs/\(id)/detections?format=json")
        let mot = try await httpBytes(service.baseURL + "/jobs/\(id)/detections?format=mot")
        let coco = try await httpBytes(service.baseURL + "/jobs/\(id)/detections?format=coco")
        #expect(json.status == 200 && mot.status == 200 && coco.status == 200)
        // Every class (the job's default) is mot's --classes with all of the detector's names.
        let classNames = try #require(json.json?["classes"] as? [String])
        #expect(classNames.count == 80)
        let folder = try TemporaryFolder("job-mot")
        defer { folder.remove() }
        let cli = try await Self.cliTracks(TestData.crossing, options: ["--classes", classNames.joined(separator: ","), "--score", "0.1"],
                                           folder: folder)
        #expect(mot.body == cli.mot, "the MOT rows differ from video-tracker mot's")
        #expect(json.body == cli.json, "the JSON differs from video-tracker mot --json")

        // MOTChallenge result rows with ids; the walker (OTB truth) keeps one id nearly throughout.
        let rows = mot.text.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(!rows.isEmpty && rows.allSatisfy { $0.count == 10 && Int($0[1])! >= 1 && $0[7...] == ["-1", "-1", "-1"] })
        let truth = try TestData.crossingTruth()
        var walkerIDs: [Int: Int] = [:]
        for frame in 0..<120 {
            let matches = rows.filter { Int($0[0]) == frame + 1 }.map { row -> (id: Int, iou: Double) in
                let box = Box(x: Double(row[2])!, y: Double(row[3])!, width: Double(row[4])!, height: Double(row[5])!)
                return (Int(row[1])!, box.intersectionOverUnion(truth[frame]!))
            }
            if let best = matches.max(by: { $0.iou < $1.iou }), best.iou >= 0.5 { walkerIDs[best.id, default: 0] += 1 }
        }
        #expect((walkerIDs.values.max() ?? 0) >= 100, "frames of the walker's commonest id: \(walkerIDs)")
        // COCO keeps the ids too.
        let annotations = try #require((try JSONSerialization.jsonObject(with: coco.body) as? [String: Any])?["annotations"] as? [[String: Any]])
        #expect(annotations.count == rows.count && annotations.allSatisfy { ($0["track_id"] as? Int ?? 0) >= 1 })

        // The annotated video is mot's, frame for frame: boxes labelled "#id class score".
        let video = try await httpBytes(service.baseURL + "/jobs/\(id)/video")
        let served = folder.path("job.mp4")
        try video.body.write(to: URL(fileURLWithPath: served))
        let servedFrames = try await decodedFrameHashes(served), cliFrames = try await decodedFrameHashes(cli.video)
        #expect(servedFrames.count == 120 && servedFrames == cliFrames, "the job's video differs from video-tracker mot --video")
        try await MediaProbe.savePNG(of: served, frame: 60, to: MediaProbe.keptOutput("jobs/tracked-frame60.png"))
    }

    @Test("a queued track=true job (sent as a checkbox's on) stays track=true through a restart (SIGKILL), then runs tracked as mot does")
    func trackSurvivesRestart() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let name = "h264-faststart.mp4"
        let size = try await Fixtures.shared.size(of: name)
        let gate = "track-restart-\(UUID().uuidString)"
        let dataDirectory = temporaryFolder("track-restart")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let arguments = ["--data-dir", dataDirectory.path, "--stall-timeout", "600", "--jobs-concurrency", "1"]

        let first = try await Self.service(arguments)
        var held = MultipartForm()
        held.field("url", faulty.url("/hold/\(gate)/\(size / 2)/\(name)"))
        let heldID = try await first.submitJob(held)
        // The held fetch keeps the only worker busy: the tracked job waits in the queue.
        _ = try await first.waitForJob(heldID, until: ["running"])
        let trackedID = try await first.submitJob(try MultipartForm.video(TestData.crossing, fields: [("track", "on"), ("classes", "person")]))
        let before = try await first.job(trackedID)
        #expect(before["status"] as? String == "queued")
        let options = try #require(before["options"] as? [String: Any])
        #expect(options["track"] as? Bool == true && options["score"] as? Double == 0.1 && options["classes"] as? [String] == ["person"])

        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        let second = try await Self.service(arguments)
        let after = try await second.job(trackedID)
        #expect(after["status"] as? String == "queued")
        func canonical(_ object: Any?) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object ?? [:], options: .sortedKeys), as: UTF8.self)
        }
        #expect(try canonical(after["options"]) == canonical(options), "\(after)")
        #expect((try await second.job(heldID)["options"] as? [String: Any])?["track"] as? Bool == false)
        faulty.release(gate)
        #expect(try await second.waitForJob(heldID)["status"] as? String == "done")
        let done = try await second.waitForJob(trackedID)
        #expect(done["status"] as? String == "done" && done["attempts"] as? Int == 1, "\(done)")
        let folder = try TemporaryFolder("job-mot")
        defer { folder.remove() }
        // mot's own defaults for people (classes person) with the job's score.
        let cli = try await Self.cliTracks(TestData.crossing, options: ["--classes", "person", "--score", "0.1"], folder: folder)
        let mot = try await httpBytes(second.baseURL + "/jobs/\(trackedID)/detections?format=mot")
        #expect(mot.status == 200 && !mot.body.isEmpty && mot.body == cli.mot, "the MOT rows differ from video-tracker mot's")
    }

    @Test("SIGTERM stops a running job and queues it again, then the service exits 0; the next start runs it to done")
    func shutdownRequeues() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let name = "h264-faststart.mp4"
        let size = try await Fixtures.shared.size(of: name)
        let gate = "shutdown-\(UUID().uuidString)"
        let dataDirectory = temporaryFolder("shutdown")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let arguments = ["--data-dir", dataDirectory.path, "--stall-timeout", "600"]

        let first = try await Self.service(arguments)
        var held = MultipartForm()
        held.field("url", faulty.url("/hold/\(gate)/\(size / 2)/\(name)"))
        held.field("every", "10")
        let id = try await first.submitJob(held)
        _ = try await first.waitForJob(id, until: ["running"])
        kill(first.process.processIdentifier, SIGTERM)
        let exited = try await onThread { () -> Int32 in
            first.process.waitUntilExit()
            return first.process.terminationStatus
        }
        #expect(exited == 0 && first.process.terminationReason == .exit)
        // The stopping service itself put the job back (not the next start's recovery).
        try await JobStoreTests.withDatabase(dataDirectory.appendingPathComponent("jobs.sqlite").path) { database in
            let job = try await JobStore(database: database).job(id: id)
            #expect(job?.status == .queued && job?.attempts == 1, "\(String(describing: job))")
        }

        let second = try await Self.service(arguments)
        let rerun = try await second.waitForJob(id, until: ["running"])
        #expect(rerun["attempts"] as? Int == 2, "\(rerun)")
        faulty.release(gate)
        #expect(try await second.waitForJob(id)["status"] as? String == "done")
    }

    @Test("--jobs-concurrency 2 runs two jobs at once")
    func twoAtOnce() async throws {
        let faulty = try await Fixtures.shared.faultyServer()
        let name = "h264-faststart.mp4"
        let size = try await Fixtures.shared.size(of: name)
        let service = try await Self.service(["--stall-timeout", "600", "--jobs-concurrency", "2"])
        let gates = ["a", "b"].map { "two-\($0)-\(UUID().uuidString)" }
        var ids: [String] = []
        for gate in gates {
            var form = MultipartForm()
            form.field("url", faulty.url("/hold/\(gate)/\(size / 2)/\(name)"))
            form.field("every", "10")
            ids.append(try await service.submitJob(form))
        }
        // Both fetches are held: both can only be running if two run at once.
        for id in ids { _ = try await service.waitForJob(id, until: ["running"]) }
        for gate in gates { faulty.release(gate) }
        for id in ids { #expect(try await service.waitForJob(id)["status"] as? String == "done") }
    }

    @Test("a full disk: an upload that does not fit is a 507, a job whose video does not fit fails saying so; the service and the other jobs carry on")
    func diskFull() async throws {
        // A data folder on a 40 MiB tmpfs in a mount namespace of the service's own (unshare: no root
        // needed); the test reaches it through /proc/<pid>/root to fill it.
        let mountPoint = temporaryFolder("tmpfs")
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        let launcher = ["/usr/bin/unshare", "-Urm", "/bin/sh", "-c", "mount -t tmpfs -o size=40m tmpfs \"$0\" && exec \"$@\"", mountPoint.path]
        let service = try await ServiceProcess(arguments: ["--models", TestData.models, "--allow-private-networks",
                                                          "--data-dir", mountPoint.path], launcher: launcher)
        let inside = URL(fileURLWithPath: "/proc/\(service.process.processIdentifier)/root" + mountPoint.path)
        let server = try await Fixtures.shared.videoServer()

        let kept = try await service.submitJob(try MultipartForm.video(TestData.crossing, fields: Self.light))
        #expect(try await service.waitForJob(kept)["status"] as? String == "done")
        let keptDetections = try await httpBytes(service.baseURL + "/jobs/\(kept)/detections").body
        let keptVideo = try await httpBytes(service.baseURL + "/jobs/\(kept)/video")

        // Fill the file system to the last byte.
        let filler = inside.appendingPathComponent("filler")
        try FileManager.default.createDirectory(at: filler, withIntermediateDirectories: true)
        var chunks = 0
        while (try? Data(repeating: 7, count: 1 << 20).write(to: filler.appendingPathComponent("\(chunks)"))) != nil { chunks += 1 }
        #expect(chunks > 0 && chunks < 40)

        let refused = try await service.postJob(try MultipartForm.video(TestData.crossing))
        #expect(refused.status == 507 && refused.errorCode == "disk_full", "\(refused.status) \(refused.text)")

        // Room for the job's row, not for its video (vtest.avi, 8 MB): the fetch runs out of space.
        for chunk in 0..<2 { try FileManager.default.removeItem(at: filler.appendingPathComponent("\(chunk)")) }
        var form = MultipartForm()
        form.field("url", server.url("vtest.avi"))
        let failed = try await service.waitForJob(try await service.submitJob(form))
        #expect(failed["status"] as? String == "failed")
        let error = try #require(failed["error"] as? [String: Any])
        #expect(error["code"] as? String == "disk_full" && (error["message"] as? String ?? "").contains("full"), "\(error)")

        #expect(try await httpBytes(service.baseURL + "/healthz").status == 200)
        #expect(try await service.job(kept)["status"] as? String == "done")
        #expect(try await httpBytes(service.baseURL + "/jobs/\(kept)/detections").body == keptDetections)
        let videoAfter = try await httpBytes(service.baseURL + "/jobs/\(kept)/video")
        #expect(videoAfter.status == keptVideo.status && videoAfter.body == keptVideo.body)

        // Space again: jobs run again.
        try FileManager.default.removeItem(at: filler)
        let after = try await service.submitJob(try MultipartForm.video(TestData.crossing, fields: Self.light))
        #expect(try await service.waitForJob(after)["status"] as? String == "done")
    }

    @Test("with a token, every route but /healthz needs it")
    func bearerToken() async throws {
        let tokenFile = temporaryFolder("token").appendingPathComponent("token")
        try Data("jobs-s3cret\n".utf8).write(to: tokenFile)
        let service = try await ServiceProcess(arguments: ["--token-file", tokenFile.path])
        let id = "abcdefghijklmnop"
        let routes: [(String, String)] = [
            ("GET", "/"), ("GET", "/static/app.js"), ("GET", "/static/style.css"), ("GET", "/jobs"), ("POST", "/jobs"),
            ("GET", "/dashboard"), ("GET", "/static/dashboard.js"),
            ("GET", "/jobs/\(id)"), ("DELETE", "/jobs/\(id)"), ("GET", "/jobs/\(id)/video"),
            ("GET", "/jobs/\(id)/detections?format=json"), ("POST", "/run"), ("GET", "/metrics"),
        ]
        for (method, path) in routes {
            let body = method == "POST" ? Data("{}".utf8) : nil
            let without = try await httpBytes(service.baseURL + path, method: method, body: body, contentType: "application/json")
            #expect(without.status == 401 && without.errorCode == "token_required", "\(method) \(path): \(without.status)")
            let wrong = try await httpBytes(service.baseURL + path, method: method, body: body, contentType: "application/json",
                                            headers: ["Authorization: Bearer jobs-s3cre7"])
            #expect(wrong.status == 401 && wrong.errorCode == "token_invalid", "\(method) \(path): \(wrong.status)")
            let with = try await httpBytes(service.baseURL + path, method: method, body: body, contentType: "application/json",
                                           headers: ["Authorization: Bearer jobs-s3cret"])
            #expect(with.status != 401, "\(method) \(path) with the token: \(with.status) \(with.text)")
        }
        #expect(try await httpBytes(service.baseURL + "/healthz").status == 200)
    }

    @Test("the page and its files: the form with the options, a job's page, its script and style; the dashboard's too; nothing from elsewhere")
    func page() async throws {
        let service = try await ServiceProcess()
        let page = try await httpBytes(service.baseURL + "/")
        #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
        for piece in ["<form id=\"job-form\" action=\"/jobs\" method=\"post\" enctype=\"multipart/form-data\">",
                      "name=\"video\"", "name=\"url\"", "name=\"score\"", "name=\"classes\"", "name=\"every\"", "name=\"input_size\"",
                      "<input type=\"checkbox\" name=\"track\">", "data-track-default=\"0.1\"",
                      "<video id=\"job-video\"", "/static/app.js", "/static/style.css"] {
            #expect(page.text.contains(piece), "the page lacks \(piece)")
        }
        #expect(!page.text.contains("src=\"http") && !page.text.contains("href=\"http") && !page.text.contains("//cdn"),
                "nothing loaded from elsewhere")
        let script = try await httpBytes(service.baseURL + "/static/app.js")
        #expect(script.status == 200 && script.headers["content-type"] == "text/javascript; charset=utf-8" && script.text.contains("fetch("))
        let style = try await httpBytes(service.baseURL + "/static/style.css")
        #expect(style.status == 200 && style.headers["content-type"] == "text/css; charset=utf-8")
        #expect(try await httpBytes(service.baseURL + "/static/nope.js").status == 404)
        // The dashboard: its page, script and style, all from the service.
        let dashboard = try await httpBytes(service.baseURL + "/dashboard")
        #expect(dashboard.status == 200 && dashboard.headers["content-type"] == "text/html; charset=utf-8")
        for piece in ["/static/dashboard.js", "/static/dashboard.css", "<canvas id=\"overlay\"", "id=\"crowd-chart\""] {
            #expect(dashboard.text.contains(piece), "the dashboard lacks \(piece)")
        }
        #expect(!dashboard.text.contains("src=\"http") && !dashboard.text.contains("href=\"http") && !dashboard.text.contains("//cdn"),
                "nothing loaded from elsewhere")
        for (file, type) in [("dashboard.js", "text/javascript; charset=utf-8"), ("dashboard.css", "text/css; charset=utf-8")] {
            let served = try await httpBytes(service.baseURL + "/static/" + file)
            #expect(served.status == 200 && served.headers["content-type"] == type, "\(file): \(served.status)")
        }
        // A browser asking for an unknown job gets the API's 404; JSON clients get JSON.
        let unknown = try await httpBytes(service.baseURL + "/jobs/abcdefghijklmnop", headers: ["Accept: text/html"])
        #expect(unknown.status == 404)
    }
}

extension ServiceProcess {
    /// The job folders on disk under the service's data folder.
    func jobFolders() throws -> [String] {
        guard let dataDirectory = dataDirectoryPath else { throw TestFailure("no data folder known") }
        return try FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/jobs")
    }

    /// Every file in every job folder.
    func jobFolderFiles() throws -> [String] {
        guard let dataDirectory = dataDirectoryPath else { throw TestFailure("no data folder known") }
        return try jobFolders().flatMap { try FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/jobs/" + $0) }
    }
}

/// The MD5 of each decoded frame of the video at `path` (ffmpeg's framemd5), in order.
func decodedFrameHashes(_ path: String) async throws -> [String] {
    let result = try await runProcess("/usr/bin/ffmpeg", ["-v", "error", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-"])
    guard result.status == 0 else { throw TestFailure("ffmpeg framemd5 \(path): \(result.errorOutput)") }
    return result.output.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: ",").last.map(String.init) }
}

/// ffprobe's count of the video's frames, codec and size, from bytes.
func ffprobe(_ video: Data) async throws -> String {
    let file = temporaryFolder("probe").appendingPathComponent("video.mp4")
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    try video.write(to: file)
    let result = try await runProcess("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                          "-show_entries", "stream=codec_name,width,height,nb_read_frames",
                                                          "-of", "default=noprint_wrappers=1", file.path])
    return result.output
}

import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VideoTracker
import VideoTrackerStore

/// Runs the cameras this replica holds a lease on. Every `tick` it renews its leases (stopping the
/// cameras it lost: taken over, paused, changed or deleted), claims its fair share of the rest
/// (starting them), and writes their statuses. Records go to the `TrackRecordBuffer`; the
/// `TrackWriter` stores them. With one replica (SQLite) this is simply "run every camera".
final class CameraSupervisor: Service, Sendable {
    struct Settings: Sendable {
        /// This process's name in the leases: unique per replica.
        var replicaID: String
        /// A lease not renewed for this long is free for another replica to take.
        var leaseTTL: Duration = .seconds(15)
        /// How often leases are renewed and claimed; a third of the TTL leaves two misses.
        var tick: Duration { leaseTTL / 3 }
        var models: String?
        var inference = InferenceOptions()
        /// The detector's precision; nil: `DetectorOptions.defaultPrecision`, asked on the detector's thread.
        var precision: InferenceOptions.Precision?
        var destinations = DestinationPolicy()
    }

    /// What this replica knows of a camera it runs (the database has the rest).
    struct Running: Sendable {
        /// The row as it was claimed: what the API shows while the database cannot be read.
        var camera: CameraRecord
        var session: CameraSession
        var status: CameraStatus = .connecting
        /// The status as last written to the database.
        var storedStatus: String?
    }

    let settings: Settings
    let cameras: CameraStore
    let tracks: TrackStore
    let buffer: TrackRecordBuffer
    let writer: TrackWriter
    let liveView = LiveView()
    let logger: Logger
    private let running = Mutex<[String: Running]>([:])
    private let detector = Mutex<ObjectDetector?>(nil)
    private let wakeups = WakeSignal()

    init(settings: Settings, cameras: CameraStore, tracks: TrackStore, buffer: TrackRecordBuffer, writer: TrackWriter,
         logger: Logger) {
        self.settings = settings
        self.cameras = cameras
        self.tracks = tracks
        self.buffer = buffer
        self.writer = writer
        self.logger = logger
    }

    /// A camera was added or changed: look now rather than at the next tick.
    func camerasChanged() { wakeups.notify() }

    /// This replica's view of a camera it runs; nil when another replica (or nobody) runs it.
    func local(_ id: String) -> (status: CameraStatus, counters: CameraCounters)? {
        guard let camera = running.withLock({ $0[id] }) else { return nil }
        return (camera.status, camera.session.counters)
    }

    /// The row of a camera this replica runs, as claimed.
    func localRecord(_ id: String) -> CameraRecord? { running.withLock { $0[id]?.camera } }

    var runningIDs: [String] { running.withLock { Array($0.keys).sorted() } }

    func run() async throws {
        let ttl = Int64(settings.leaseTTL / .milliseconds(1))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let generation = self.wakeups.generation
                do {
                    try await self.round(ttlMilliseconds: ttl)
                } catch {
                    self.logger.error("camera leases could not be renewed or claimed", metadata: ["error": "\(error)"])
                }
                await self.pause(self.settings.tick, unlessWokenAfter: generation)
            }
        }
        // Shutting down: stop every session, then give the leases up so another replica (or the
        // next start) takes them at once rather than after the TTL.
        let ids = runningIDs
        await Task {
            for id in ids { await self.stopSession(id) }
            for id in ids { _ = try? await self.cameras.release(owner: self.settings.replicaID, id: id) }
            try? await self.cameras.forgetReplica(self.settings.replicaID)
        }.value
    }

    /// One round: renew, stop what was lost, claim and start, write statuses.
    private func round(ttlMilliseconds ttl: Int64) async throws {
        let owner = settings.replicaID
        let held = runningIDs
        let kept = Set(try await cameras.renew(owner: owner, ids: held, ttlMilliseconds: ttl))
        for id in held where !kept.contains(id) {
            logger.notice("camera stopped here: its lease is gone (paused, changed, deleted or taken over)", metadata: ["camera": "\(id)"])
            await stopSession(id)
        }
        for camera in try await cameras.claim(owner: owner, ttlMilliseconds: ttl) {
            if running.withLock({ $0[camera.id] }) != nil { await stopSession(camera.id) }  // its settings changed
            await start(camera)
        }
        try await writeStatuses()
    }

    private func start(_ camera: CameraRecord) async {
        guard let url = camera.url else { return }
        do {
            let detector = try await loadDetector()
            var options = CameraSessionOptions(framesPerSecond: camera.fps ?? CameraRequest.defaultFramesPerSecond)
            options.detectEvery = camera.everyFrames
            options.classes = camera.classes
            options.firstTrackID = Int(try await tracks.maxTrackID(camera: camera.id) ?? 0) + 1
            let id = camera.id, buffer = buffer, liveView = liveView
            let annotator = Annotator(classNames: detector.classNames.names)
            // One encoder per session: it is used by the session's processing thread only.
            let encoder = SessionJPEGEncoder()
            let session = try CameraSession(url: url, detector: detector, options: options, sink: { frame in
                buffer.append(Self.records(of: frame, camera: id))
                liveView.frame(frame, camera: id, annotator: annotator, encoder: encoder.encoder)
            }, onStatus: { [weak self] status in
                self?.statusChanged(id, status)
            })
            running.withLock { $0[id] = Running(camera: camera, session: session) }
            session.start()
            logger.notice("camera started", metadata: ["camera": "\(id)", "url": "\(url)", "first_track_id": "\(options.firstTrackID)"])
        } catch {
            let reason = (error as? TrackingError)?.message ?? "\(error)"
            logger.error("camera could not start", metadata: ["camera": "\(camera.id)", "error": "\(reason)"])
            _ = try? await cameras.setStatus(id: camera.id, .failed, reason: reason, owner: settings.replicaID)
            _ = try? await cameras.release(owner: settings.replicaID, id: camera.id)
        }
    }

    /// Stops a session (blocking until its threads end, so on a thread of its own).
    private func stopSession(_ id: String) async {
        guard let camera = running.withLock({ $0.removeValue(forKey: id) }) else { return }
        _ = try? await onOwnThread(name: "camera-stop") { camera.session.stop() }
        liveView.forget(camera: id)  // its last picture, and whether anyone watched it
    }

    private func statusChanged(_ id: String, _ status: CameraStatus) {
        running.withLock { $0[id]?.status = status }
        wakeups.notify()
    }

    /// Writes the statuses that changed since the last round; a session that ended or failed is
    /// stopped and its lease given up (a final status keeps others from claiming it).
    private func writeStatuses() async throws {
        let owner = settings.replicaID
        let snapshot = running.withLock { $0 }
        for (id, camera) in snapshot {
            let word = camera.status.name
            let storeFailure = writer.storeFailure
            if camera.storedStatus != word || storeFailure != nil {
                let status = CameraRecord.Status(rawValue: word) ?? .failed
                let reason = camera.status.reason ?? storeFailure.map { "records wait in memory: the store failed: \($0)" }
                if try await cameras.setStatus(id: id, status, reason: reason, owner: owner) {
                    running.withLock { $0[id]?.storedStatus = word }
                }
            }
            switch camera.status {
            case .ended, .failed:
                await stopSession(id)
                _ = try await cameras.release(owner: owner, id: id)
            default:
                break
            }
        }
    }

    private func loadDetector() async throws -> ObjectDetector {
        if let loaded = detector.withLock({ $0 }) { return loaded }
        guard let models = settings.models else {
            throw TrackingError(.unprocessable, code: "detector_unavailable",
                                "cameras need the service started with --models DIR holding \(ObjectDetector.modelFile)")
        }
        var options = DetectorOptions()
        options.inputSize = DetectorOptions.trackingInputSize
        options.scoreThreshold = Double(ByteTrackOptions().lowScore)
        options.inference = settings.inference
        let chosen = options, precision = settings.precision
        let made = try await onOwnThread(name: "camera-detector") {
            var options = chosen
            options.inference.precision = precision ?? DetectorOptions.defaultPrecision  // starts OpenVINO: off the pool
            return try ObjectDetector(models: models, options: options)
        }
        return detector.withLock { current in
            if let current { return current }
            current = made
            return made
        }
    }

    private func pause(_ duration: Duration, unlessWokenAfter generation: Int) async {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, wakeups.generation == generation, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A processed frame's tracked objects as rows; frames the detector skipped give none.
    static func records(of frame: CameraFrame, camera: String) -> [TrackRecord] {
        guard let detections = frame.detections, let ids = detections.trackIDs else { return [] }
        return detections.boxes.indices.map { index in
            let box = detections.boxes[index]
            return TrackRecord(cameraID: camera, trackID: Int64(ids[index]), timeMicroseconds: frame.timeMicroseconds,
                               frame: frame.index, classID: detections.classIDs[index], x: box.left, y: box.top,
                               width: box.right - box.left, height: box.bottom - box.top,
                               score: Double(detections.scores[index]))
        }
    }
}

/// A JPEG encoder owned by one session's processing thread (the sink runs there only, in order).
final class SessionJPEGEncoder: @unchecked Sendable {
    let encoder = JPEGEncoder(quality: 75)
}

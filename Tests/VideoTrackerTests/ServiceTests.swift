import Foundation
import Logging
import Testing
import VideoTracker
import VideoTrackerService

/// The application built in-process by `buildApplication`, as `serve` builds it.
@Suite("Service built in-process", .serialized)
struct ServiceTests {
    @Test("health, tracking and Prometheus metrics")
    func healthTrackingAndMetrics() async throws {
        let server = try await Fixtures.shared.videoServer()
        var configuration = ServiceConfiguration()
        configuration.allowPrivateNetworks = true
        let (base, running) = try await startInProcess(configuration)
        defer { running.cancel() }

        let health = try await curl(base + "/healthz")
        #expect(health.status == 200 && health.body.contains("ok"))

        let body: [String: Any] = ["item_stream_url": server.url("crossing.mp4"), "bbs": ContractTests.crossingBox,
                                   "start_frame": 0, "frame_duration": 12, "tracker": "kcf"]
        let tracked = try await curl(base + "/run", method: "POST", body: try JSONSerialization.data(withJSONObject: body))
        #expect(tracked.status == 200)

        let metrics = try await curl(base + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"video_tracker_requests_total{path="/run",status="200"} 1"#), "\(metrics.body)")
        #expect(metrics.body.contains("video_tracker_frames_tracked_total 12"))
        let decoded = metrics.body.firstMatch(of: /video_tracker_frames_decoded_total (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect((12...16).contains(decoded), "the 12 frames, and at most the few decoded ahead")
        #expect(metrics.body.contains("video_tracker_requests_in_flight 0.0"))
        #expect(metrics.body.contains("video_tracker_run_duration_seconds_count 1"))
    }

    @Test("with a token, /run and /metrics need it and /healthz stays open")
    func bearerToken() async throws {
        var configuration = ServiceConfiguration()
        configuration.token = "s3cret-token"
        let (base, running) = try await startInProcess(configuration)
        defer { running.cancel() }

        #expect(try await curl(base + "/healthz").status == 200)
        let missing = try await curl(base + "/run", method: "POST", body: Data("{}".utf8))
        #expect(missing.status == 401 && missing.body.contains("token_required"))
        #expect(missing.headers["www-authenticate"] == "Bearer")
        let wrong = try await curl(base + "/metrics", headers: ["Authorization: Bearer s3cret-tokem"])
        #expect(wrong.status == 401 && wrong.body.contains("token_invalid"))
        let right = try await curl(base + "/metrics", headers: ["Authorization: Bearer s3cret-token"])
        #expect(right.status == 200 && right.body.contains("video_tracker_requests_total"))
    }
}

/// Runs `buildApplication` on a free loopback port; cancel the task to stop it.
func startInProcess(_ configuration: ServiceConfiguration) async throws -> (base: String, running: Task<Void, Error>) {
    var configuration = configuration
    configuration.port = 0
    if configuration.dataDirectory == ServiceConfiguration().dataDirectory {
        configuration.dataDirectory = temporaryFolder("in-process-data").path
    }
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let app = try await buildApplication(configuration: configuration,
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) { port in
        continuation.yield(port)
    }
    let running = Task { try await app.run() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw TestFailure("the in-process service did not start") }
    return ("http://127.0.0.1:\(port)", running)
}

@Suite("Graceful shutdown", .serialized)
struct ShutdownTests {
    @Test("SIGTERM stops new connections, lets the request in flight finish whole, then the service exits 0")
    func sigtermFinishesInFlightWork() async throws {
        // Long deadline and stall timeout: the request must end because its video is released, not by a clock.
        let service = try await ServiceProcess(arguments: ["--allow-private-networks", "--deadline", "600",
                                                           "--stall-timeout", "600"])
        defer { service.stop() }
        let held = try await service.startHeldRequest()
        kill(service.process.processIdentifier, SIGTERM)
        // The observable sign of draining: the listener is closed while the held request is still open.
        let giveUp = ContinuousClock.now + .seconds(120)
        while await service.acceptsConnections() {
            guard ContinuousClock.now < giveUp else { throw TestFailure("the service still accepts connections after SIGTERM") }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(service.process.isRunning, "the service exited with a request in flight")
        #expect(!(held.lines.last ?? "").contains("\"done\""), "the request ended before its video was released")

        held.release()
        let lines = try await held.finish()
        let totals = try #require(try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any],
                                  "\(lines.suffix(2))")
        #expect(totals["done"] as? Bool == true && totals["partial"] as? Bool == false, "\(totals)")
        #expect(totals["stop_reason"] as? String == "completed" && totals["frames_tracked"] as? Int == 120, "\(totals)")
        #expect(lines.count == 121, "120 frame lines and the totals")
        let exited = try await onThread { () -> Int32 in
            service.process.waitUntilExit()
            return service.process.terminationStatus
        }
        #expect(exited == 0)
    }
}

import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import VideoTracker

/// `POST /run`: the tracker function. Answers the whole result as JSON, or, with
/// `Accept: application/x-ndjson`, one line per frame as it is tracked and a last line of totals.
struct TrackController: Sendable {
    let configuration: ServiceConfiguration
    let metrics: ServiceMetrics
    let limit: InFlightLimit

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/run") { request, context in try await run(request, context: context) }
    }

    private func run(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard limit.tryEnter() else {
            throw TrackingError(.overloaded, code: "over_capacity",
                                "\(limit.limit) tracking requests are running; retry shortly")
        }
        let began = ContinuousClock.now
        metrics.inFlight.increment()
        // Released exactly once: when the answer is complete, or at once when it fails early.
        let release = ReleaseOnce { [metrics, limit] in
            metrics.inFlight.decrement()
            metrics.runDuration.record(ContinuousClock.now - began)
            limit.leave()
        }
        do {
            let job = try await makeJob(request)
            let streaming = request.headers[.accept]?.contains("application/x-ndjson") ?? false
            let response = try await streaming
                ? streamingAnswer(job, logger: context.logger, release: release)
                : wholeAnswer(job, logger: context.logger)
            if !streaming { release.run() }
            return response
        } catch {
            release.run()
            throw error
        }
    }

    private func makeJob(_ request: Request) async throws -> TrackingJob {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw TrackingError(.tooLarge, code: "body_too_large",
                                "the request body is over \(configuration.maxBodyBytes) bytes")
        }
        let trackRequest = try TrackRequest.decode(body.readableBytesView, limits: configuration.limits)
        var options = TrackingOptions()
        options.destinations = DestinationPolicy(allowPrivateNetworks: configuration.allowPrivateNetworks,
                                                 allowedHosts: configuration.allowedHosts)
        options.connectTimeoutSeconds = configuration.connectTimeoutSeconds
        options.stallTimeoutSeconds = configuration.stallTimeoutSeconds
        options.deadline = .now + .milliseconds(Int(configuration.deadlineSeconds * 1000))
        options.decoderThreads = configuration.decoderThreads
        options.models = configuration.models
        return TrackingJob(request: trackRequest, options: options)
    }

    private func wholeAnswer(_ job: TrackingJob, logger: Logger) async throws -> Response {
        var updates: [FrameUpdate] = []
        updates.reserveCapacity(job.request.frameDuration)
        var summary: TrackingSummary?
        for try await event in job.events() {
            switch event {
            case .frame(let update): updates.append(update)
            case .finished(let totals): summary = totals
            }
        }
        guard let summary else { throw TrackingError(.internalFailure, code: "no_summary", "tracking ended without totals") }
        finish(job, summary: summary, logger: logger)
        let body = ContractJSON.result(ids: job.ids, updates: updates, lost: job.request.lostFrames)
        return Response(status: .ok, headers: summaryHeaders(summary, contentType: "application/json"),
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// Waits for the first frame before answering, so that failures before it (bad URL, 404,
    /// start past the end) still get their own status instead of a 200 with an error line.
    private func streamingAnswer(_ job: TrackingJob, logger: Logger, release: ReleaseOnce) async throws -> Response {
        let events = EventCursor(job.events())
        guard let first = try await events.next() else {
            throw TrackingError(.internalFailure, code: "no_frames", "tracking ended without a frame")
        }
        let ids = job.ids
        let body = ResponseBody { writer in
            // However the body ends (done, or the client gone), stop the job and free its slot.
            defer {
                job.cancel()
                release.run()
            }
            var event: TrackingEvent? = first
            while let current = event {
                switch current {
                case .frame(let update):
                    try await writer.write(ByteBuffer(string: ContractJSON.frameLine(ids: ids, update: update) + "\n"))
                case .finished(let summary):
                    finish(job, summary: summary, logger: logger)
                    try await writer.write(ByteBuffer(string: ContractJSON.summaryLine(ids: ids, summary: summary) + "\n"))
                }
                do {
                    event = try await events.next()
                } catch {
                    // Headers are gone; the error becomes the last line.
                    let tracking = ErrorResponse(error).error
                    try await writer.write(ByteBuffer(string: ContractJSON.error(tracking) + "\n"))
                    event = nil
                }
            }
            try await writer.finish(nil)
        }
        var headers: HTTPFields = [.contentType: "application/x-ndjson"]
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: body)
    }

    private func finish(_ job: TrackingJob, summary: TrackingSummary, logger: Logger) {
        metrics.record(summary, annotations: job.request.annotations.count)
        logger.info("tracked", metadata: [
            "annotations": "\(job.request.annotations.count)", "tracker": "\(job.tracker.rawValue)",
            "frames": "\(summary.framesTracked)/\(summary.framesRequested)", "stop": "\(summary.stopReason.rawValue)",
            "seconds": "\(summary.seconds)", "bytes": "\(summary.bytesFetched)",
        ])
    }

    private func summaryHeaders(_ summary: TrackingSummary, contentType: String) -> HTTPFields {
        var headers: HTTPFields = [.contentType: contentType]
        headers[HTTPField.Name("X-Tracking-Partial")!] = summary.partial ? "true" : "false"
        headers[HTTPField.Name("X-Tracking-Stop-Reason")!] = summary.stopReason.rawValue
        headers[HTTPField.Name("X-Tracking-Frames")!] = "\(summary.framesTracked)/\(summary.framesRequested)"
        return headers
    }
}

/// Runs a closure once, from whichever path finishes the request first.
final class ReleaseOnce: Sendable {
    private let action: Mutex<(@Sendable () -> Void)?>

    init(_ action: @escaping @Sendable () -> Void) { self.action = Mutex(action) }

    func run() {
        let pending = action.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        pending?()
    }
}

/// The job's event stream, handed from the handler to the response body writer.
final class EventCursor: @unchecked Sendable {
    // Only one task reads at a time: first the handler, then the body writer.
    private var iterator: AsyncThrowingStream<TrackingEvent, Error>.AsyncIterator

    init(_ stream: AsyncThrowingStream<TrackingEvent, Error>) { iterator = stream.makeAsyncIterator() }

    func next() async throws -> TrackingEvent? { try await iterator.next() }
}

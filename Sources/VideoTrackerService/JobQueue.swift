import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VideoTracker
import VideoTrackerStore

/// Runs the stored jobs, oldest first, `concurrency` at a time, each on a thread of its own. The
/// database is the queue: a worker claims the oldest queued row (one statement), so what is
/// queued survives any restart. Progress is written at most every half second. On shutdown,
/// running jobs are stopped and queued again, to run anew at the next start.
final class JobQueue: Service, Sendable {
    let database: StoreDatabase
    let store: JobStore
    let files: JobFiles
    let runner: JobRunner
    let concurrency: Int
    let logger: Logger
    private let wakeups = WakeSignal()
    private let running = Mutex<[String: JobCancellation]>([:])

    static let progressInterval: Duration = .milliseconds(500)

    init(database: StoreDatabase, files: JobFiles, runner: JobRunner, concurrency: Int, logger: Logger) {
        self.database = database
        self.store = JobStore(database: database)
        self.files = files
        self.runner = runner
        self.concurrency = concurrency
        self.logger = logger
    }

    /// Before the server starts: jobs a stopped process left running go back to the queue, and
    /// folders no job owns (an upload cut off by a crash) are removed.
    func recover() async throws {
        let requeued = try await store.requeueInterrupted()
        if !requeued.isEmpty { logger.notice("jobs interrupted by a restart are queued again", metadata: ["ids": "\(requeued)"]) }
        let known = Set(try await store.list(limit: Int.max).map(\.id))
        for id in try await files.folderIDs() where !known.contains(id) {
            await files.removeFolder(id)
        }
    }

    /// A job was added: an idle worker takes it.
    func jobAdded() { wakeups.notify() }

    /// Stops a running job that was deleted; its worker removes its files when it has stopped.
    func stop(_ id: String) {
        running.withLock { $0[id] }?.cancel(.deleted)
    }

    func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for _ in 0..<concurrency {
                        group.addTask { await self.work() }
                    }
                }
            } onGracefulShutdown: {
                self.shutDown()
            }
        } onCancel: {
            self.shutDown()
        }
    }

    private func shutDown() {
        wakeups.stop()
        for job in running.withLock({ Array($0.values) }) { job.cancel(.shuttingDown) }
    }

    private func work() async {
        while true {
            let generation = wakeups.generation
            if wakeups.isStopped || Task.isCancelled { return }
            do {
                if let job = try await store.claimNext() {
                    await execute(job)
                    continue
                }
            } catch {
                logger.error("could not read the job queue", metadata: ["error": "\(error)"])
            }
            await wakeups.wait(after: generation)
        }
    }

    private func execute(_ job: JobRecord) async {
        let cancellation = JobCancellation()
        running.withLock { $0[job.id] = cancellation }
        if wakeups.isStopped { cancellation.cancel(.shuttingDown) }
        defer { _ = running.withLock { $0.removeValue(forKey: job.id) } }
        logger.info("job started", metadata: ["id": "\(job.id)", "attempt": "\(job.attempts)"])

        let throttle = ProgressThrottle(interval: Self.progressInterval)
        let result = await Result(awaiting: { [runner, store] in
            try await onOwnThread(name: "job-\(job.id)") {
                try runner.run(job, cancellation: cancellation) { progress in
                    guard throttle.shouldRecord(progress) else { return }
                    Task { try? await store.recordProgress(id: job.id, framesDone: progress.framesDone,
                                                           framesTotal: progress.framesTotal) }
                }
            }
        })
        do {
            switch (cancellation.reason, result) {
            case (.deleted, _):
                await files.removeFolder(job.id)
                logger.info("job stopped: deleted", metadata: ["id": "\(job.id)"])
            case (.shuttingDown, _):
                try await store.requeue(id: job.id)
                logger.notice("job stopped by shutdown, queued again", metadata: ["id": "\(job.id)"])
            case (nil, .success(let outputs)):
                if try await !store.markDone(id: job.id, framesDone: outputs.framesDone, framesTotal: outputs.framesTotal) {
                    await files.removeFolder(job.id)
                }
                logger.info("job done", metadata: ["id": "\(job.id)", "frames": "\(outputs.framesDone)"])
            case (nil, .failure(let error)):
                let failure = Self.failure(error)
                if try await !store.markFailed(id: job.id, failure: failure) {
                    await files.removeFolder(job.id)
                }
                logger.warning("job failed", metadata: ["id": "\(job.id)", "code": "\(failure.code)", "reason": "\(failure.message)"])
            }
        } catch {
            // The database refused the outcome (full disk?): the row stays `running`, and the
            // next start runs the job again.
            logger.error("could not record a job's outcome", metadata: ["id": "\(job.id)", "error": "\(error)"])
        }
    }

    static func failure(_ error: any Error) -> JobRecord.Failure {
        if let tracking = error as? TrackingError {
            return .init(code: tracking.code, message: tracking.message)
        }
        return .init(code: "internal_error", message: "\(error)")
    }
}

/// Lets a job's progress reach the database at most once an interval (and at once when the
/// frame count becomes known), however often the detector reports.
final class ProgressThrottle: Sendable {
    private let interval: Duration
    private let last = Mutex<(at: ContinuousClock.Instant?, total: Int?)>((nil, nil))

    init(interval: Duration) { self.interval = interval }

    func shouldRecord(_ progress: FrameProgress) -> Bool {
        let now = ContinuousClock.now
        return last.withLock { last in
            if let at = last.at, now - at < interval, last.total == progress.framesTotal { return false }
            last = (now, progress.framesTotal)
            return true
        }
    }
}

/// Wakes idle workers when a job is added. A worker notes the generation before it looks for
/// work, so a job added between its look and its wait still wakes it.
final class WakeSignal: Sendable {
    private struct State {
        var generation = 0
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }
    var isStopped: Bool { state.withLock { $0.stopped } }

    func notify() {
        let waiters = state.withLock { state in
            state.generation += 1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func stop() {
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait(after generation: Int) async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.generation != generation || state.stopped { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

extension Result where Failure == any Error {
    init(awaiting body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

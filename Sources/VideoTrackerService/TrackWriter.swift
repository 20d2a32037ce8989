import Logging
import ServiceLifecycle
import Synchronization
import VideoTrackerStore

/// Moves track records from the buffer into the store: one transaction a second (sooner when a
/// batch fills), so a crash loses at most the last second. A failing store is retried with
/// backoff while the records wait in the buffer; the cameras never notice.
final class TrackWriter: Service, Sendable {
    static let interval: Duration = .seconds(1)
    /// Rows per transaction: large enough for many cameras a second, small enough that SQLite's
    /// write lock is never held long.
    static let batchSize = 20_000

    let buffer: TrackRecordBuffer
    let store: TrackStore
    let logger: Logger
    /// Why the last write failed, nil while the store takes them (shown in camera statuses).
    private let failure = Mutex<String?>(nil)
    /// When the write in flight began: PostgreSQL's pool waits for the server to come back rather
    /// than failing, so a write that takes this long is reported as the store not answering.
    private let writeBegan = Mutex<ContinuousClock.Instant?>(nil)
    static let unansweredAfter: Duration = .seconds(5)

    init(buffer: TrackRecordBuffer, store: TrackStore, logger: Logger) {
        self.buffer = buffer
        self.store = store
        self.logger = logger
    }

    var storeFailure: String? {
        if let failed = failure.withLock({ $0 }) { return failed }
        guard let began = writeBegan.withLock({ $0 }), ContinuousClock.now - began > Self.unansweredAfter else { return nil }
        let seconds = Int((ContinuousClock.now - began) / .seconds(1))
        return "the database has not answered a write for \(seconds) s"
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff = Self.interval
            while !Task.isCancelled {
                try? await Task.sleep(for: backoff)
                backoff = await self.flush() ? Self.interval : min(backoff * 2, .seconds(30))
            }
        }
        // Shutting down: the cameras have stopped (they are stopped before this service); what
        // they left is written now, in a task of its own (the cancelled one may not start I/O).
        await Task { _ = await self.flush() }.value
    }

    /// Writes everything waiting, batch by batch; false when the store refused (the batch waits).
    @discardableResult
    func flush() async -> Bool {
        while true {
            let batch = buffer.take(upTo: Self.batchSize)
            if batch.isEmpty { return true }
            writeBegan.withLock { $0 = .now }
            defer { writeBegan.withLock { $0 = nil } }
            do {
                _ = try await store.write(batch)
                buffer.written(batch)
                if failure.withLock({ $0 }) != nil {
                    failure.withLock { $0 = nil }
                    logger.notice("the track store takes records again", metadata: ["waiting": "\(buffer.pending)"])
                }
            } catch {
                buffer.putBack(batch)
                let reason = "\(error)"
                if failure.withLock({ $0 }) == nil {
                    logger.error("the track store refused a batch; records wait in memory",
                                 metadata: ["error": "\(reason)", "waiting": "\(buffer.pending)", "capacity": "\(buffer.capacity)"])
                }
                failure.withLock { $0 = reason }
                return false
            }
        }
    }
}

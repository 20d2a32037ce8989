import Logging
import ServiceLifecycle
import VideoTrackerStore

/// `--retention-days`: deletes track records older than that, at start and then every hour, in
/// small batches (the store's `deleteOlder`) so the cameras' writes never wait long behind it.
struct RecordRetention: Service {
    static let interval: Duration = .seconds(3600)

    let days: Double
    let tracks: TrackStore
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let cutoff = Int64(JobClock.now()) * 1000 - Int64(days * 86_400 * 1e6)
                do {
                    let deleted = try await tracks.deleteOlder(thanMicroseconds: cutoff)
                    if deleted > 0 {
                        logger.notice("old track records deleted", metadata: ["rows": "\(deleted)", "retention_days": "\(days)"])
                    }
                } catch {
                    logger.error("deleting old track records failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
    }
}

import Synchronization

/// Admits at most `limit` tracking requests at once; the rest are told to come back (503).
/// Refusing beats queueing: a queued request would eat the caller's 60 s before it starts.
final class InFlightLimit: Sendable {
    private let count = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func tryEnter() -> Bool {
        let now = count.add(1, ordering: .relaxed).newValue
        if now <= limit { return true }
        count.subtract(1, ordering: .relaxed)
        return false
    }

    func leave() { count.subtract(1, ordering: .relaxed) }
}

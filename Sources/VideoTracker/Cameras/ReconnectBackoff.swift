/// Waits between attempts to reach a camera: 0.5 s, doubling to 30 s, back to 0.5 s once a
/// connection has been good (frames for a while), so a flapping source is not hammered and a
/// rare drop is retried at once.
struct ReconnectBackoff {
    static let first = 0.5
    static let maximum = 30.0
    private var next = ReconnectBackoff.first

    /// The wait before the next attempt (seconds); each call doubles the one after.
    mutating func delay() -> Double {
        defer { next = min(next * 2, Self.maximum) }
        return next
    }

    mutating func reset() { next = Self.first }
}

/// Samples a stream down to a camera's rate by capture time: a frame is kept when it comes at
/// least a period after the last one due, the due times stepping by exactly a period (no drift
/// however the source's rate divides), and start again from a frame after a gap. A kept frame's
/// index, `round(time_s * fps)`, is always above the last one's: one frame per index.
struct FrameSampler {
    let framesPerSecond: Double
    private let period: Double
    /// Timestamps land on whole microseconds: a frame this early still counts as on time.
    private static let tolerance = 1_000.0
    private var nextDue: Double?
    private var lastIndex: Int64?

    init(framesPerSecond: Double) {
        precondition(framesPerSecond > 0)
        self.framesPerSecond = framesPerSecond
        period = 1_000_000 / framesPerSecond
    }

    /// The frame index when a frame captured at `time` (microseconds since the epoch) is kept, else nil.
    mutating func keep(time: Int64) -> Int64? {
        let at = Double(time)
        if let nextDue, at < nextDue - Self.tolerance { return nil }
        let index = Self.index(of: time, framesPerSecond: framesPerSecond)
        if let lastIndex, index <= lastIndex { return nil }
        if let due = nextDue, at < due + period {
            nextDue = due + period
        } else {
            nextDue = at + period
        }
        lastIndex = index
        return index
    }

    /// `round(time_s * fps)`: the frame a capture time falls on at a camera's rate.
    static func index(of time: Int64, framesPerSecond: Double) -> Int64 {
        Int64((Double(time) / 1_000_000 * framesPerSecond).rounded())
    }
}

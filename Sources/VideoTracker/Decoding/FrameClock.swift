/// Turns presentation timestamps into frame numbers.
///
/// The rule (stated in the README): frame n is the frame shown at time n / fps, counted from the
/// stream's first timestamp, so `n = round((pts - start) * timeBase * fps)`. This is how the
/// annotation studio numbers frames from the player's clock, and it does not drift after a seek
/// the way a decode counter does.
public struct FrameClock: Sendable, Equatable {
    public let framesPerSecond: Double
    /// Seconds per timestamp tick.
    public let timeBase: Double
    public let startTimestamp: Int64

    public init(framesPerSecond: Double, timeBase: Double, startTimestamp: Int64) {
        self.framesPerSecond = framesPerSecond
        self.timeBase = timeBase
        self.startTimestamp = startTimestamp
    }

    public func frameNumber(at timestamp: Int64) -> Int {
        Int((Double(timestamp - startTimestamp) * timeBase * framesPerSecond).rounded())
    }

    /// The timestamp at which frame `number` starts, minus `earlier` seconds: a seek target.
    public func timestamp(ofFrame number: Int, earlierBy earlier: Double = 0) -> Int64 {
        let seconds = Double(number) / framesPerSecond - earlier
        return startTimestamp + Int64((seconds / timeBase).rounded(.down))
    }
}

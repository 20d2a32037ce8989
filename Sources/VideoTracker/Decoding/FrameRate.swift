import CVideoTracker

/// Frames per second as an exact fraction (30000/1001, not 29.97), the way containers store it:
/// an encoder given the input's fraction writes frame n at exactly the input's time of frame n.
public struct FrameRate: Sendable, Equatable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int

    /// Reduced to lowest terms; both must be positive.
    public init(numerator: Int, denominator: Int) {
        precondition(numerator > 0 && denominator > 0, "FrameRate: \(numerator)/\(denominator) is not a frame rate")
        var reducedNumerator: Int32 = 0, reducedDenominator: Int32 = 0
        av_reduce(&reducedNumerator, &reducedDenominator, Int64(numerator), Int64(denominator), Int64(Int32.max))
        self.numerator = Int(reducedNumerator)
        self.denominator = Int(reducedDenominator)
    }

    /// The nearest fraction with a denominator up to 1001000 (29.97 gives 2997/100; pass the
    /// container's fraction where there is one).
    public init(framesPerSecond: Double) {
        precondition(framesPerSecond > 0 && framesPerSecond.isFinite, "FrameRate: \(framesPerSecond) fps")
        let rational = av_d2q(framesPerSecond, 1_001_000)
        self.init(numerator: Int(rational.num), denominator: Int(rational.den))
    }

    public var framesPerSecond: Double { Double(numerator) / Double(denominator) }

    /// ffprobe's spelling: `25/1`.
    public var description: String { "\(numerator)/\(denominator)" }

    var rational: AVRational { AVRational(num: Int32(numerator), den: Int32(denominator)) }
}

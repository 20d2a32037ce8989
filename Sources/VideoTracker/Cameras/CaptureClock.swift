/// When each frame of a camera was captured, in microseconds since the epoch (UTC).
///
/// A file's frames are at its start time plus their timestamp (exactly: the start time is what
/// the file's frames are counted from). A live stream's are the wall clock when they arrive, but
/// arrival jitters (network bursts, the frames libavformat reads ahead while it probes the stream,
/// all decoded at once), so a frame's time is its timestamp plus the smallest (arrival - timestamp)
/// seen so far: frames keep the stream's own spacing, and none is later than its arrival. A stream
/// whose timestamps jump back (a restarted source) more than `maximumDelay` behind the wall clock
/// is timed from its arrival again.
struct CaptureClock {
    enum Mode: Equatable {
        case live
        case file(startMicroseconds: Int64)
    }

    static let maximumDelay: Int64 = 10_000_000

    let mode: Mode
    /// Live: capture time minus timestamp (microseconds).
    private var offset: Int64?
    /// The last time given: times only go forward (a record's key includes its time).
    private var last: Int64?

    init(mode: Mode, after last: Int64? = nil) {
        self.mode = mode
        self.last = last
    }

    /// The capture time of a frame shown `streamSeconds` after its stream's start (nil: it has no
    /// timestamp), arriving at `now` (microseconds since the epoch).
    mutating func time(streamSeconds: Double?, now: Int64) -> Int64 {
        var time: Int64
        switch mode {
        case .file(let start):
            if let streamSeconds {
                time = start + Int64((streamSeconds * 1_000_000).rounded())
            } else {
                time = (last ?? start) + 1
            }
        case .live:
            guard let streamSeconds else {
                time = now
                break
            }
            let timestamp = Int64((streamSeconds * 1_000_000).rounded())
            let arrival = now - timestamp
            if let offset, arrival >= offset, arrival - offset <= Self.maximumDelay {
                time = timestamp + offset
            } else {
                offset = arrival
                time = now
            }
        }
        if let last, time <= last { time = last + 1 }
        last = time
        return time
    }
}

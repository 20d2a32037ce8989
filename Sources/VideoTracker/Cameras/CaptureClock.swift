/// When each frame of a camera was captured, in microseconds since the epoch (UTC).
///
/// A file's frames are at its start time plus their timestamp (exactly: the start time is what
/// the file's frames are counted from).
///
/// A live stream's are the wall clock when they arrive, but arrival jitters, so a frame's time is
/// its timestamp plus the smallest (arrival - timestamp) seen so far: frames keep the stream's own
/// spacing, and none is later than its arrival. A connection begins with a burst: the frames
/// libavformat buffered while probing the stream (up to its 5 s analyze duration), or an HLS
/// playlist's first segments, all decoded at once. Their arrival says nothing of when they were
/// captured, and timing them "now" would put seconds-old pictures at the present (the tracker
/// would see people jump). So until a frame arrives in step with the stream (its arrival -
/// timestamp stops falling) frames get no time and are not used. A stream whose timestamps jump
/// back more than `maximumDelay` behind the wall clock (a restarted source) is timed from its
/// arrival again.
struct CaptureClock {
    enum Mode: Equatable {
        case live
        case file(startMicroseconds: Int64)
    }

    static let maximumDelay: Int64 = 10_000_000

    let mode: Mode
    /// Live: capture time minus timestamp (microseconds).
    private var offset: Int64?
    /// Live: the previous frame's arrival minus timestamp, and its timestamp, while in the first burst.
    private var burst: (arrivalOffset: Int64, timestamp: Int64)?
    /// Live: a frame has arrived in step with the stream.
    private var settled = false
    /// The last time given: times only go forward (a record's key includes its time).
    private var last: Int64?

    init(mode: Mode, after last: Int64? = nil) {
        self.mode = mode
        self.last = last
    }

    /// The capture time of a frame shown `streamSeconds` after its stream's start (nil: it has no
    /// timestamp), arriving at `now` (microseconds since the epoch); nil for a live stream's frame
    /// of its first burst.
    mutating func time(streamSeconds: Double?, now: Int64) -> Int64? {
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
            if !settled {
                // In a burst, each frame arrives a frame's time "earlier" than the one before; in step,
                // about as early. Half a frame's time tells them apart.
                defer { burst = (arrival, timestamp) }
                guard let burst, timestamp > burst.timestamp,
                      arrival >= burst.arrivalOffset - (timestamp - burst.timestamp) / 2 else { return nil }
                settled = true
            }
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

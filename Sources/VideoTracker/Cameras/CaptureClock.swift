/// When each frame of a camera was captured, in microseconds since the epoch (UTC).
///
/// A file's frames are at its start time plus their timestamp (exactly: the start time is what
/// the file's frames are counted from). A live stream's are the wall clock when they arrive, but
/// arrival jitters (network bursts, a demuxer reading ahead), so the clock is anchored at a frame's
/// arrival and then follows the stream's timestamps: frames keep the stream's own spacing. It
/// anchors again when the timestamps part from the wall clock (a source that restarted its
/// timestamps, a stream arriving slower than it plays): never more than a second ahead of now,
/// nor more than `maximumDelay` behind.
struct CaptureClock {
    enum Mode: Equatable {
        case live
        case file(startMicroseconds: Int64)
    }

    static let maximumDelay: Int64 = 10_000_000
    static let maximumAhead: Int64 = 1_000_000

    let mode: Mode
    private var anchor: (wall: Int64, stream: Double)?
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
            if let anchor {
                time = anchor.wall + Int64(((streamSeconds - anchor.stream) * 1_000_000).rounded())
                if time > now + Self.maximumAhead || time < now - Self.maximumDelay {
                    self.anchor = (now, streamSeconds)
                    time = now
                }
            } else {
                anchor = (now, streamSeconds)
                time = now
            }
        }
        if let last, time <= last { time = last + 1 }
        last = time
        return time
    }
}

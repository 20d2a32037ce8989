import CVideoTracker
import Foundation

/// One connection to a camera: its URL opened by libavformat's own protocols (HTTP progressive,
/// HLS, RTSP, MPEG-TS over HTTP, TCP or UDP, a local file path), decoded frame by frame as the
/// bytes come. Every blocking call polls the session's `StreamInterrupt`, so a stall or a stop
/// ends it. Not thread-safe: one reading thread owns it.
final class CameraSource {
    /// How a source's frames are timed and when it ends.
    enum Kind: Equatable {
        /// Read as it comes; capture time is the wall clock at arrival; at its end, reconnect.
        case live
        /// Read as fast as it decodes; capture time is the start time plus the timestamp; it ends.
        case file
    }

    let decoder: VideoDecoder
    let kind: Kind
    /// The container's `creation_time`, microseconds since the epoch, when it says one.
    let creationTime: Int64?
    private let timeBase: Double
    private let startTimestamp: Int64

    /// How long libavformat may read a stream to learn its codecs when `quickProbe`: its default,
    /// 5 s for MPEG-TS, read at the stream's own pace, is 5 s without frames at every (re)connection.
    static let quickProbeMicroseconds = 1_000_000

    /// `kind` nil: a finite duration on a seekable input is a file, anything else live.
    /// `quickProbe`: probe for `quickProbeMicroseconds` only (a stream whose first keyframe comes
    /// later is then not recognised: open it again without).
    init(url: String, kind: Kind?, interrupt: StreamInterrupt, quickProbe: Bool) throws {
        let microseconds = String(Int64(interrupt.stallTimeout / .microseconds(1)))
        // The protocols' own timeouts as a second line behind the interrupt callback: rw_timeout
        // (http, tcp, file), timeout (rtsp's socket timeout, udp's read timeout).
        var options = ["rw_timeout": microseconds]
        if url.hasPrefix("rtsp") || url.hasPrefix("udp") { options["timeout"] = microseconds }
        if quickProbe { options["analyzeduration"] = String(Self.quickProbeMicroseconds) }
        decoder = try VideoDecoder(url: url, options: options, interrupt: interrupt.callback, decoderThreads: 1)
        let format = decoder.formatContext.pointee
        let nopts = cvt_av_nopts_value()
        let finite = format.duration != nopts && format.duration > 0
        let seekable = format.pb.map { Int32($0.pointee.seekable) & AVIO_SEEKABLE_NORMAL != 0 } ?? false
        self.kind = kind ?? (finite && seekable ? .file : .live)
        timeBase = decoder.clock.timeBase
        startTimestamp = decoder.clock.startTimestamp
        creationTime = Self.metadataTime(format.metadata, "creation_time")
    }

    /// Decodes the next frame (then current, for `decoder.convert`) and returns its time after the
    /// stream's start in seconds (nil inside: no timestamp); nil at the end of the stream or when
    /// reading failed (`decoder.readError`).
    func next() throws -> Double?? {
        guard try decoder.decodeOne() else { return nil }
        return .some(decoder.currentTimestamp.map { Double($0 - startTimestamp) * timeBase })
    }

    private static func metadataTime(_ metadata: OpaquePointer?, _ key: String) -> Int64? {
        guard let entry = av_dict_get(metadata, key, nil, 0), let value = entry.pointee.value else { return nil }
        let text = String(cString: value)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var date = formatter.date(from: text)
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime]
            date = formatter.date(from: text)
        }
        return date.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) }
    }
}

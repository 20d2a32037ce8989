import CVideoTracker
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Demuxes and decodes the best video stream of a `ByteSource` (libavformat + libavcodec),
/// numbers frames by timestamp (`FrameClock`) and seeks exactly to a frame number.
///
/// Not thread-safe: one decoder belongs to one thread at a time.
public final class VideoDecoder {
    public let width: Int
    public let height: Int
    public let clock: FrameClock
    /// The rate the clock counts frames at, as the container's fraction (25 when it gives none):
    /// what an encoder of these frames should be given (`VideoEncoder`).
    public let frameRate: FrameRate
    /// From the container's frame count or duration; nil when it says neither.
    public let estimatedFrameCount: Int?
    public let codecName: String

    /// Our own reader of the bytes; nil when libavformat opened a URL with its own protocols.
    private let input: MediaInput?
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var scaler: OpaquePointer?
    private let streamIndex: Int32

    private var sentEndOfStream = false
    /// After a seek the demuxer may land on a non-key packet; decoding from there would show
    /// broken pictures, so packets are dropped until a keyframe.
    private var awaitingKeyframe = false
    private var lastNumber: Int?
    /// During a seek, the first timestamp of the target frame: packets before it have their
    /// non-reference frames skipped (see `seek`).
    private var skippingBefore: Int64?

    /// Frames decoded so far, handed out or skipped.
    public private(set) var framesDecoded = 0
    /// The libav error that ended reading, when it was not the end of the file.
    private(set) var readError: Int32?

    /// libavformat could not open a URL (its own protocols): the code tells a refused connection
    /// from a missing file or a stream that is not a video.
    struct OpenFailure: Error {
        let code: Int32
        let stage: String
        var message: String { "could not \(stage): \(VideoDecoder.describe(code))" }
    }

    public convenience init(source: ByteSource, decoderThreads: Int = 0) throws {
        let input = try MediaInput(source: source)
        let format = avformat_alloc_context()
        guard let format else { throw TrackingError(.internalFailure, code: "out_of_memory", "no format context") }
        format.pointee.pb = input.context
        format.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        try self.init(format: format, url: nil, options: [:], input: input, decoderThreads: decoderThreads)
    }

    /// Opens `url` with libavformat's own protocols (http, hls, rtsp, tcp, udp, a file path): for live
    /// streams, which are read as they come rather than by range. `options` go to the protocol and
    /// demuxer (e.g. `rw_timeout`); `interrupt` is polled during every blocking read, so a stalled
    /// stream can be abandoned.
    convenience init(url: String, options: [String: String], interrupt: AVIOInterruptCB, decoderThreads: Int = 0) throws {
        let format = avformat_alloc_context()
        guard let format else { throw TrackingError(.internalFailure, code: "out_of_memory", "no format context") }
        format.pointee.interrupt_callback = interrupt
        try self.init(format: format, url: url, options: options, input: nil, decoderThreads: decoderThreads)
    }

    private init(format allocated: UnsafeMutablePointer<AVFormatContext>, url: String?, options: [String: String],
                 input: MediaInput?, decoderThreads: Int) throws {
        self.input = input
        format = allocated
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        var opened = avformat_open_input(&format, url, nil, &dictionary)
        av_dict_free(&dictionary)
        if opened < 0 {
            // avformat_open_input frees the context on failure.
            throw Self.openFailure(opened, input: input, stage: "recognise the video container")
        }
        opened = avformat_find_stream_info(format, nil)
        if opened < 0 {
            let failure = Self.openFailure(opened, input: input, stage: "read the video's stream info")
            avformat_close_input(&format)
            throw failure
        }

        var decoderPointer: UnsafePointer<AVCodec>?
        let best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoderPointer, 0)
        guard best >= 0, let decoderPointer, let stream = format!.pointee.streams[Int(best)] else {
            avformat_close_input(&format)
            throw TrackingError.upstream("the file has no video stream we can decode (\(Self.describe(best)))",
                                         code: "not_a_video")
        }
        streamIndex = best

        codec = avcodec_alloc_context3(decoderPointer)
        avcodec_parameters_to_context(codec, stream.pointee.codecpar)
        codec!.pointee.thread_count = Int32(decoderThreads)
        codec!.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        let codecOpened = avcodec_open2(codec, decoderPointer, nil)
        guard codecOpened >= 0, codec!.pointee.width > 0, codec!.pointee.height > 0 else {
            avcodec_free_context(&codec)
            avformat_close_input(&format)
            throw TrackingError.upstream("the video stream could not be decoded (\(Self.describe(codecOpened)))",
                                         code: "not_a_video")
        }
        codecName = String(cString: decoderPointer.pointee.name)
        width = Int(codec!.pointee.width)
        height = Int(codec!.pointee.height)

        let timeBase = stream.pointee.time_base
        let rates: [AVRational] = [stream.pointee.avg_frame_rate, stream.pointee.r_frame_rate]
        let rate: AVRational? = rates.first { $0.num > 0 && $0.den > 0 }
        frameRate = rate.map { FrameRate(numerator: Int($0.num), denominator: Int($0.den)) }
            ?? FrameRate(numerator: 25, denominator: 1)
        let fps = frameRate.framesPerSecond
        let nopts = cvt_av_nopts_value()
        let start = stream.pointee.start_time != nopts ? stream.pointee.start_time : 0
        clock = FrameClock(framesPerSecond: fps, timeBase: Double(timeBase.num) / Double(timeBase.den),
                           startTimestamp: start)
        estimatedFrameCount = Self.frameCount(stream: stream.pointee, format: format!.pointee, clock: clock)
        packet = av_packet_alloc()
        frame = av_frame_alloc()
    }

    deinit {
        sws_freeContext(scaler)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    /// Bytes the source has fetched so far.
    public var bytesFetched: Int64 { input?.source.bytesFetched ?? 0 }

    // MARK: - Frames

    /// Decodes the next frame and returns its number, or nil at the end of the video.
    /// The frame stays current (for `convert`) until the next call.
    public func nextFrame() throws -> Int? {
        while try decodeOne() {
            let number = currentNumber()
            // Timestamps that repeat or go back (broken files) would give two frames one number.
            if let lastNumber, number <= lastNumber { continue }
            lastNumber = number
            return number
        }
        return nil
    }

    /// Makes `target` the current frame (for `convert`), or the first frame after it
    /// when the video has no frame with that number. Returns that frame's number, nil past the end.
    ///
    /// Seeks to the keyframe at or before the target and decodes forward. If the demuxer lands
    /// after the target (a sparse or approximate index), it tries again further back, down to the
    /// start of the file, so the result is always the frame sequential decoding would give.
    @discardableResult
    public func seek(toFrame target: Int) throws -> Int? {
        if target <= 0 && framesDecoded == 0 { return try nextFrame() }
        // Frames before the target that no other frame is predicted from (most B-frames) need not
        // be decoded at all: the target's pixels cannot depend on them. From the first packet shown
        // at or after the target's time every frame is decoded again, so the target itself is.
        defer { stopSkipping() }
        var backoff = 0.5 / clock.framesPerSecond
        while true {
            let timestamp = clock.timestamp(ofFrame: target, earlierBy: backoff)
            let fromStart = timestamp <= clock.startTimestamp
            reposition(to: fromStart ? nil : timestamp)
            startSkipping(before: clock.timestamp(ofFrame: target, earlierBy: 0.5 / clock.framesPerSecond))
            guard let first = try nextFrame() else {
                if fromStart { return nil }
                backoff = backoff * 4 + 1
                continue
            }
            if first <= target || fromStart {
                var number = first
                while number < target {
                    guard let next = try nextFrame() else { return nil }
                    number = next
                }
                return number
            }
            backoff = backoff * 4 + 1
        }
    }

    /// Converts the current frame into `buffer` (BGR), scaling if the stream changed size.
    public func convert(into buffer: FrameBuffer, number: Int) {
        guard let frame else { return }
        let source = frame.pointee
        scaler = sws_getCachedContext(scaler, source.width, source.height, AVPixelFormat(source.format),
                                      Int32(buffer.width), Int32(buffer.height), AV_PIX_FMT_BGR24,
                                      SWS_BILINEAR, nil, nil, nil)
        var destination: UnsafeMutablePointer<UInt8>? = buffer.pixels.assumingMemoryBound(to: UInt8.self)
        var stride = Int32(buffer.bytesPerRow)
        withUnsafePointer(to: frame.pointee.data) { data in
            withUnsafePointer(to: frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { planes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                        _ = sws_scale(scaler, planes, strides, 0, source.height, &destination, &stride)
                    }
                }
            }
        }
        buffer.number = number
    }

    public func makeBuffer() -> FrameBuffer { FrameBuffer(width: width, height: height) }

    // MARK: - Internals

    /// The current frame's timestamp (in the stream's time base), nil when it has none.
    var currentTimestamp: Int64? {
        let nopts = cvt_av_nopts_value()
        var timestamp = frame!.pointee.best_effort_timestamp
        if timestamp == nopts { timestamp = frame!.pointee.pts }
        return timestamp == nopts ? nil : timestamp
    }

    /// The opened container, for what the decoder does not say itself (duration, seekability, metadata).
    var formatContext: UnsafeMutablePointer<AVFormatContext> { format! }

    private func currentNumber() -> Int {
        let nopts = cvt_av_nopts_value()
        var timestamp = frame!.pointee.best_effort_timestamp
        if timestamp == nopts { timestamp = frame!.pointee.pts }
        if timestamp == nopts { return (lastNumber ?? -1) + 1 }
        return clock.frameNumber(at: timestamp)
    }

    private func startSkipping(before timestamp: Int64) {
        skippingBefore = timestamp
        codec!.pointee.skip_frame = AVDISCARD_NONREF
    }

    private func stopSkipping() {
        guard skippingBefore != nil else { return }
        skippingBefore = nil
        codec!.pointee.skip_frame = AVDISCARD_DEFAULT
    }

    /// Seeks the demuxer (nil: to the start) and resets the decoder.
    private func reposition(to timestamp: Int64?) {
        var result: Int32 = -1
        if let timestamp {
            result = av_seek_frame(format, streamIndex, timestamp, AVSEEK_FLAG_BACKWARD)
        }
        if result < 0 {
            // Well before the first timestamp: demuxers that search by timestamp (MPEG-TS) then
            // start at the first packet rather than somewhere after the first keyframe.
            let minute = Int64(60 / clock.timeBase)
            result = av_seek_frame(format, streamIndex, clock.startTimestamp - minute, AVSEEK_FLAG_BACKWARD)
        }
        if result < 0 {
            _ = avformat_seek_file(format, -1, Int64.min, 0, 0, 0)
        }
        avcodec_flush_buffers(codec)
        sentEndOfStream = false
        awaitingKeyframe = true
        lastNumber = nil
    }

    /// Decodes one frame into `frame`; false at the end of the stream (or at a read error of a URL
    /// opened by libavformat: see `readError`). Unlike `nextFrame`, keeps frames whose timestamps
    /// repeat or go back (a live stream's clock may restart).
    func decodeOne() throws -> Bool {
        let again = cvt_av_error_eagain()
        let endOfFile = cvt_av_error_eof()
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received == 0 {
                framesDecoded += 1
                return true
            }
            if received == endOfFile { return false }
            if received != again {
                throw TrackingError.upstream("decoding failed: \(Self.describe(received))", code: "decode_failed")
            }
            if sentEndOfStream { return false }
            let read = av_read_frame(format, packet)
            if read < 0 {
                if let failure = input?.failure { throw failure }
                if read != endOfFile { readError = read }
                // End of file, or bytes the demuxer cannot resync on: flush what the decoder holds.
                avcodec_send_packet(codec, nil)
                sentEndOfStream = true
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet!.pointee.stream_index == streamIndex else { continue }
            if awaitingKeyframe {
                guard packet!.pointee.flags & AV_PKT_FLAG_KEY != 0 else { continue }
                awaitingKeyframe = false
            }
            if let limit = skippingBefore {
                // No timestamp: no telling whether it is the target, so decode everything from here.
                let shown = packet!.pointee.pts
                if shown == cvt_av_nopts_value() || shown >= limit { stopSkipping() }
            }
            // A corrupt packet is dropped; the decoder recovers at the next good one.
            _ = avcodec_send_packet(codec, packet)
        }
    }

    private static func frameCount(stream: AVStream, format: AVFormatContext, clock: FrameClock) -> Int? {
        let nopts = cvt_av_nopts_value()
        if stream.nb_frames > 0 { return Int(stream.nb_frames) }
        var seconds = 0.0
        if stream.duration != nopts && stream.duration > 0 {
            seconds = Double(stream.duration) * clock.timeBase
        } else if format.duration != nopts && format.duration > 0 {
            seconds = Double(format.duration) / Double(AV_TIME_BASE)
        }
        return seconds > 0 ? Int((seconds * clock.framesPerSecond).rounded()) : nil
    }

    private static func openFailure(_ code: Int32, input: MediaInput?, stage: String) -> Error {
        if let failure = input?.failure { return failure }
        if input == nil { return OpenFailure(code: code, stage: stage) }
        return TrackingError.upstream("could not \(stage): \(describe(code)); is the URL a video?", code: "not_a_video")
    }

    static func describe(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: 128)
        cvt_av_error_string(code, &text, text.count)
        return String(cText: text)
    }
}

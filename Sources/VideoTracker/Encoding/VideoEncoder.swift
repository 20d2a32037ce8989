import CVideoTracker
import Foundation

/// Writes frames as an H.264 MP4 a browser plays: yuv420p, x264's High profile with the level
/// set for the size and rate, `avc1`, and the index (`moov`) before the data (faststart), so
/// playback starts before the whole file has arrived.
///
/// One output frame for every `write`, at the given constant rate: frame n is shown at
/// n / rate, as in the input when the rate is the decoder's `frameRate`. The frames are encoded
/// into a hidden file beside `path`; `finish` then copies that, with the source's audio when
/// asked, into `path`, which appears only once it is complete. A video without audio gets no
/// audio track.
///
/// yuv420p needs an even width and height: a frame with an odd one loses its last column or row
/// (`encodedWidth`, `encodedHeight`). Cropping keeps every remaining pixel where it was (boxes
/// stay put) and invents none, as padding would.
///
/// Every call blocks (x264 and file writes): call them on a `Thread` of their own, never on
/// Swift's concurrency threads. Not thread-safe: one encoder belongs to one thread at a time.
public final class VideoEncoder {
    /// Where the MP4 goes, as given.
    public let path: String
    /// The size `write` takes.
    public let width: Int
    public let height: Int
    public let encodedWidth: Int
    public let encodedHeight: Int
    public let frameRate: FrameRate
    public let options: EncoderOptions
    public private(set) var framesWritten = 0

    /// The encoder's own file, and the finished MP4 until it is renamed to `path`.
    private let videoOnlyPath: String
    private let partialPath: String

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?

    private enum State { case open, finished, failed(Error) }
    private var state = State.open

    /// Opens the encoder and its file; a missing or unwritable folder fails here, naming `path`.
    public init(path: String, width: Int, height: Int, frameRate: FrameRate, options: EncoderOptions = EncoderOptions()) throws {
        self.path = path
        self.width = width
        self.height = height
        encodedWidth = width & ~1
        encodedHeight = height & ~1
        self.frameRate = frameRate
        self.options = options
        let target = URL(fileURLWithPath: path)
        let hidden = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(UInt32.random(in: 0...UInt32.max))").path
        videoOnlyPath = hidden + ".video-only.mp4"
        partialPath = hidden + ".partial.mp4"
        // From here a throw runs deinit, which frees whatever was made and removes the files.
        try open()
    }

    deinit {
        closeEncoding()
        if case .finished = state {} else {
            unlink(videoOnlyPath)
            unlink(partialPath)
        }
    }

    // MARK: - Writing

    /// Encodes one frame (its size must be `width` x `height`).
    public func write(_ buffer: FrameBuffer) throws {
        try checkOpen()
        guard buffer.width == width, buffer.height == height else {
            throw TrackingError(.internalFailure, code: "encode_failed",
                                "a \(buffer.width)x\(buffer.height) frame was given to the \(width)x\(height) video \(path)")
        }
        try failing {
            let frame = self.frame!
            let writable = av_frame_make_writable(frame)
            guard writable >= 0 else { throw encodeFailure("no frame to encode into", writable) }
            // swscale reads four planes and strides whatever the format.
            let sourcePlanes: [UnsafePointer<UInt8>?] = [UnsafePointer(buffer.pixels.assumingMemoryBound(to: UInt8.self)), nil, nil, nil]
            let sourceStrides: [Int32] = [Int32(buffer.bytesPerRow), 0, 0, 0]
            // The height given is the encoded one: an odd last row is left out here.
            withUnsafePointer(to: frame.pointee.data) { data in
                withUnsafePointer(to: frame.pointee.linesize) { linesize in
                    data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                        linesize.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                            _ = sws_scale(scaler, sourcePlanes, sourceStrides, 0, Int32(encodedHeight), planes, strides)
                        }
                    }
                }
            }
            frame.pointee.pts = Int64(framesWritten)
            let sent = avcodec_send_frame(codec, frame)
            guard sent >= 0 else { throw encodeFailure("x264 refused frame \(framesWritten)", sent) }
            try drainPackets()
            framesWritten += 1
        }
    }

    /// Flushes the encoder and writes `path`: the video, and the audio of `audioSource` when it
    /// has any that MP4 can carry (copied packet for packet, not re-encoded, and kept in step:
    /// the source's first video frame is the output's first). `audioSource` is read from its
    /// start by a demuxer of its own; it may be the decoder's source once the decoder is done.
    @discardableResult
    public func finish(copyingAudioFrom audioSource: ByteSource? = nil) throws -> EncodedVideo {
        try checkOpen()
        return try failing {
            guard framesWritten > 0 else {
                throw TrackingError(.internalFailure, code: "encode_failed", "no frames were written to \(path)")
            }
            let flushed = avcodec_send_frame(codec, nil)
            guard flushed >= 0 else { throw encodeFailure("x264 could not be flushed", flushed) }
            try drainPackets()
            let trailer = av_write_trailer(format)
            guard trailer >= 0 else { throw writeFailure(trailer) }
            try closeFile()
            closeEncoding()
            let audio = try MP4Remux.copy(video: videoOnlyPath, audioFrom: audioSource, into: partialPath, naming: path)
            guard rename(partialPath, path) == 0 else {
                throw TrackingError(.internalFailure, code: "encode_failed",
                                    "could not move the finished video to \(path): \(String(cString: strerror(errno)))")
            }
            unlink(videoOnlyPath)
            state = .finished
            return EncodedVideo(path: path, frames: framesWritten, width: encodedWidth, height: encodedHeight,
                                frameRate: frameRate, audio: audio)
        }
    }

    // MARK: - Setting up

    private func open() throws {
        guard width >= 2, height >= 2 else {
            throw TrackingError(.internalFailure, code: "encode_failed", "a \(width)x\(height) video cannot be encoded")
        }
        guard EncoderOptions.presets.contains(options.preset) else {
            throw TrackingError(.internalFailure, code: "encode_failed",
                                "unknown x264 preset \"\(options.preset)\": one of \(EncoderOptions.presets.joined(separator: ", "))")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw TrackingError(.unprocessable, code: "output_unwritable", "cannot write the video to \(path): it is a folder")
        }
        guard let encoder = avcodec_find_encoder_by_name("libx264") else {
            throw TrackingError(.internalFailure, code: "encode_failed", "this FFmpeg has no libx264 encoder")
        }
        guard avformat_alloc_output_context2(&format, nil, "mp4", videoOnlyPath) >= 0, let format else {
            throw TrackingError(.internalFailure, code: "out_of_memory", "no MP4 muxer")
        }
        let opened = avio_open(&format.pointee.pb, videoOnlyPath, AVIO_FLAG_WRITE)
        guard opened >= 0 else {
            throw TrackingError(.unprocessable, code: "output_unwritable",
                                "cannot write the video to \(path): \(VideoDecoder.describe(opened))")
        }
        guard let stream = avformat_new_stream(format, nil), let codec = avcodec_alloc_context3(encoder) else {
            throw TrackingError(.internalFailure, code: "out_of_memory", "no encoder context")
        }
        self.stream = stream
        self.codec = codec
        codec.pointee.width = Int32(encodedWidth)
        codec.pointee.height = Int32(encodedHeight)
        codec.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        codec.pointee.time_base = AVRational(num: Int32(frameRate.denominator), den: Int32(frameRate.numerator))
        codec.pointee.framerate = frameRate.rational
        codec.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        // swscale's BGR -> YUV is BT.601, limited range: say so, or players guess (BT.709 for HD).
        codec.pointee.colorspace = AVCOL_SPC_SMPTE170M
        codec.pointee.color_range = AVCOL_RANGE_MPEG
        codec.pointee.thread_count = Int32(options.threads)
        if format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            // The SPS and PPS go into the avcC box, where MP4 players look for them.
            codec.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
        }
        var settings: OpaquePointer?
        av_dict_set(&settings, "preset", options.preset, 0)
        av_dict_set(&settings, "crf", String(options.crf), 0)
        let codecOpened = avcodec_open2(codec, encoder, &settings)
        av_dict_free(&settings)
        guard codecOpened >= 0 else { throw encodeFailure("x264 did not start", codecOpened) }
        avcodec_parameters_from_context(stream.pointee.codecpar, codec)
        stream.pointee.time_base = codec.pointee.time_base
        stream.pointee.avg_frame_rate = frameRate.rational
        let header = avformat_write_header(format, nil)
        guard header >= 0 else { throw writeFailure(header) }

        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let frame, packet != nil else { throw TrackingError(.internalFailure, code: "out_of_memory", "no frame") }
        frame.pointee.width = Int32(encodedWidth)
        frame.pointee.height = Int32(encodedHeight)
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        let allocated = av_frame_get_buffer(frame, 0)
        guard allocated >= 0 else { throw encodeFailure("no frame buffer", allocated) }
        // ACCURATE_RND: the exact path (filtered chroma); the fast one samples chroma at one pixel
        // of four, which smears 2-pixel box lines.
        scaler = sws_getContext(Int32(encodedWidth), Int32(encodedHeight), AV_PIX_FMT_BGR24,
                                Int32(encodedWidth), Int32(encodedHeight), AV_PIX_FMT_YUV420P,
                                SWS_BILINEAR | SWS_ACCURATE_RND, nil, nil, nil)
        guard scaler != nil else { throw TrackingError(.internalFailure, code: "encode_failed", "no BGR to YUV converter") }
    }

    // MARK: - Internals

    /// Hands every packet x264 has ready to the muxer.
    private func drainPackets() throws {
        let again = cvt_av_error_eagain()
        let endOfFile = cvt_av_error_eof()
        while true {
            let received = avcodec_receive_packet(codec, packet)
            if received == again || received == endOfFile { return }
            guard received >= 0 else { throw encodeFailure("x264 failed", received) }
            av_packet_rescale_ts(packet, codec!.pointee.time_base, stream!.pointee.time_base)
            packet!.pointee.stream_index = stream!.pointee.index
            // Takes the packet's data, and leaves it blank even when it fails.
            let written = av_interleaved_write_frame(format, packet)
            av_packet_unref(packet)
            guard written >= 0 else { throw writeFailure(written) }
        }
    }

    /// Flushes and closes the encoder's file; avio_closep alone would drop a failed last write.
    private func closeFile() throws {
        guard let format, let pb = format.pointee.pb else { return }
        avio_flush(pb)
        let failed = pb.pointee.error
        avio_closep(&format.pointee.pb)
        guard failed >= 0 else { throw writeFailure(failed) }
    }

    /// Frees the encoder's contexts (idempotent; the files stay).
    private func closeEncoding() {
        sws_freeContext(scaler)
        scaler = nil
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        if let format {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
        }
        format = nil
        stream = nil
    }

    private func checkOpen() throws {
        switch state {
        case .open: return
        case .finished:
            throw TrackingError(.internalFailure, code: "encode_failed", "the video \(path) is already finished")
        case .failed(let error): throw error
        }
    }

    /// Runs `body`; a failure leaves the encoder failed (every later call throws it again).
    private func failing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            state = .failed(error)
            closeEncoding()
            throw error
        }
    }

    private func encodeFailure(_ what: String, _ code: Int32) -> TrackingError {
        TrackingError(.internalFailure, code: "encode_failed",
                      "encoding the video \(path) failed: \(what) (\(VideoDecoder.describe(code)))")
    }

    /// A failed file write: the disk's reason (ENOSPC: "No space left on device") and the path.
    private func writeFailure(_ code: Int32) -> TrackingError {
        TrackingError(.internalFailure, code: "encode_failed",
                      "writing the video \(path) failed: \(VideoDecoder.describe(code))")
    }
}

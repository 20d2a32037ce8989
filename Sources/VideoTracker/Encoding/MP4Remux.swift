import CVideoTracker

/// The last step of `VideoEncoder.finish`: the encoded video's packets, and a source's audio
/// packets when it has audio MP4 can carry, copied (never re-encoded) into a faststart MP4.
/// Packets go in time order, so audio and video are interleaved as a player reads them.
enum MP4Remux {
    static func copy(video videoPath: String, audioFrom source: ByteSource?, into outputPath: String,
                     naming displayPath: String) throws -> AudioCopy {
        var input: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&input, videoPath, nil, nil)
        guard opened >= 0, let input else { throw failure("reading back the encoded video", opened, displayPath) }
        defer { var closing: UnsafeMutablePointer<AVFormatContext>? = input; avformat_close_input(&closing) }
        guard input.pointee.nb_streams == 1, let videoIn = input.pointee.streams[0] else {
            throw failure("reading back the encoded video", -1, displayPath)
        }

        let audio = try source.flatMap { try AudioInput(source: $0) }

        var output: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_alloc_output_context2(&output, nil, "mp4", outputPath) >= 0, let output else {
            throw TrackingError(.internalFailure, code: "out_of_memory", "no MP4 muxer")
        }
        defer {
            if output.pointee.pb != nil { avio_closep(&output.pointee.pb) }
            avformat_free_context(output)
        }
        let videoOut = try addStream(copying: videoIn, to: output)
        videoOut.pointee.avg_frame_rate = videoIn.pointee.avg_frame_rate

        var audioOut: UnsafeMutablePointer<AVStream>?
        var outcome = AudioCopy.none
        if let audio {
            let codecID = audio.stream.pointee.codecpar.pointee.codec_id
            let name = String(cString: avcodec_get_name(codecID))
            if avformat_query_codec(output.pointee.oformat, codecID, FF_COMPLIANCE_NORMAL) == 1 {
                audioOut = try addStream(copying: audio.stream, to: output)
                if let language = av_dict_get(audio.stream.pointee.metadata, "language", nil, 0) {
                    av_dict_set(&audioOut!.pointee.metadata, "language", language.pointee.value, 0)
                }
                outcome = .copied(codec: name, packets: 0)
            } else {
                outcome = .leftOut(reason: "the source's \(name) audio does not go into MP4 without re-encoding")
            }
        }

        let created = avio_open(&output.pointee.pb, outputPath, AVIO_FLAG_WRITE)
        guard created >= 0 else { throw failure("creating", created, displayPath) }
        var settings: OpaquePointer?
        // The index before the data: the muxer writes it last, then moves it to the front.
        av_dict_set(&settings, "movflags", "+faststart", 0)
        let header = avformat_write_header(output, &settings)
        av_dict_free(&settings)
        guard header >= 0 else { throw failure("writing", header, displayPath) }

        var videoPacket = av_packet_alloc()
        var audioPacket = av_packet_alloc()
        defer {
            av_packet_free(&videoPacket)
            av_packet_free(&audioPacket)
        }
        guard let videoPacket, let audioPacket else { throw TrackingError(.internalFailure, code: "out_of_memory", "no packet") }

        var videoPending = try readPacket(input, stream: 0, into: videoPacket, displayPath: displayPath)
        var audioPending = audioOut != nil ? try audio!.next(into: audioPacket) : false
        var audioPackets = 0
        while videoPending || audioPending {
            let videoFirst = videoPending && (!audioPending || av_compare_ts(
                order(videoPacket), videoIn.pointee.time_base, order(audioPacket), audio!.stream.pointee.time_base) <= 0)
            if videoFirst {
                try write(videoPacket, from: videoIn, to: videoOut, in: output, displayPath: displayPath)
                videoPending = try readPacket(input, stream: 0, into: videoPacket, displayPath: displayPath)
            } else {
                try write(audioPacket, from: audio!.stream, to: audioOut!, in: output, displayPath: displayPath)
                audioPackets += 1
                audioPending = try audio!.next(into: audioPacket)
            }
        }
        let trailer = av_write_trailer(output)
        guard trailer >= 0 else { throw failure("writing", trailer, displayPath) }
        avio_flush(output.pointee.pb)
        let flushed = output.pointee.pb.pointee.error
        guard flushed >= 0 else { throw failure("writing", flushed, displayPath) }
        avio_closep(&output.pointee.pb)
        if case .copied(let codec, _) = outcome { outcome = .copied(codec: codec, packets: audioPackets) }
        return outcome
    }

    private static func addStream(copying input: UnsafeMutablePointer<AVStream>,
                                  to output: UnsafeMutablePointer<AVFormatContext>) throws -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(output, nil),
              avcodec_parameters_copy(stream.pointee.codecpar, input.pointee.codecpar) >= 0 else {
            throw TrackingError(.internalFailure, code: "out_of_memory", "no output stream")
        }
        // The MP4 muxer picks the tag (avc1, mp4a); the input container's may not be valid in MP4.
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = input.pointee.time_base
        return stream
    }

    private static func write(_ packet: UnsafeMutablePointer<AVPacket>, from input: UnsafeMutablePointer<AVStream>,
                              to stream: UnsafeMutablePointer<AVStream>, in output: UnsafeMutablePointer<AVFormatContext>,
                              displayPath: String) throws {
        av_packet_rescale_ts(packet, input.pointee.time_base, stream.pointee.time_base)
        packet.pointee.stream_index = stream.pointee.index
        packet.pointee.pos = -1
        let written = av_interleaved_write_frame(output, packet)
        av_packet_unref(packet)
        guard written >= 0 else { throw failure("writing", written, displayPath) }
    }

    /// The next packet of `stream` into `packet`; false at the end.
    private static func readPacket(_ input: UnsafeMutablePointer<AVFormatContext>, stream: Int32,
                                   into packet: UnsafeMutablePointer<AVPacket>, displayPath: String) throws -> Bool {
        while true {
            let read = av_read_frame(input, packet)
            if read == cvt_av_error_eof() { return false }
            guard read >= 0 else { throw failure("reading back the encoded video for", read, displayPath) }
            if packet.pointee.stream_index == stream { return true }
            av_packet_unref(packet)
        }
    }

    /// Decode order, to interleave by.
    private static func order(_ packet: UnsafeMutablePointer<AVPacket>) -> Int64 {
        packet.pointee.dts != cvt_av_nopts_value() ? packet.pointee.dts : packet.pointee.pts
    }

    private static func failure(_ doing: String, _ code: Int32, _ displayPath: String) -> TrackingError {
        TrackingError(.internalFailure, code: "encode_failed",
                      "\(doing) the video \(displayPath) failed: \(VideoDecoder.describe(code))")
    }
}

/// The audio stream of a source, demuxed on its own, its timestamps moved so that the source's
/// first video frame is time 0 (as it is in the encoded video).
private final class AudioInput {
    private let input: MediaInput
    private var format: UnsafeMutablePointer<AVFormatContext>?
    let stream: UnsafeMutablePointer<AVStream>
    /// The source video's start, in the audio stream's time base.
    private let shift: Int64

    /// Nil when the source has no audio stream.
    init?(source: ByteSource) throws {
        input = try MediaInput(source: source)
        format = avformat_alloc_context()
        guard let made = format else { throw TrackingError(.internalFailure, code: "out_of_memory", "no format context") }
        made.pointee.pb = input.context
        made.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        var opened = avformat_open_input(&format, nil, nil, nil)
        if opened >= 0 { opened = avformat_find_stream_info(format, nil) }
        guard opened >= 0, let format else {
            // avformat_open_input frees the context when it fails.
            if opened < 0, format != nil { avformat_close_input(&format) }
            throw input.failure ?? TrackingError.upstream(
                "could not read the video again for its audio: \(VideoDecoder.describe(opened))", code: "not_a_video")
        }
        let best = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard best >= 0, let audio = format.pointee.streams[Int(best)] else {
            avformat_close_input(&self.format)
            return nil
        }
        stream = audio
        var start: Int64 = 0
        let video = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        if video >= 0, let videoStream = format.pointee.streams[Int(video)],
           videoStream.pointee.start_time != cvt_av_nopts_value() {
            start = av_rescale_q(videoStream.pointee.start_time, videoStream.pointee.time_base, audio.pointee.time_base)
        }
        shift = start
        // Only the audio's bytes are wanted: demuxers with an index (MP4) then skip the video's.
        for index in 0..<Int(format.pointee.nb_streams) where index != Int(best) {
            format.pointee.streams[index]!.pointee.discard = AVDISCARD_ALL
        }
    }

    deinit { avformat_close_input(&format) }

    /// The next audio packet, moved to the output's clock; false at the end (or where the demuxer
    /// can read no further, as the decoder treats it).
    func next(into packet: UnsafeMutablePointer<AVPacket>) throws -> Bool {
        let nopts = cvt_av_nopts_value()
        while true {
            let read = av_read_frame(format, packet)
            if read < 0 {
                if let failure = input.failure { throw failure }
                return false
            }
            if packet.pointee.stream_index == stream.pointee.index {
                if packet.pointee.pts != nopts { packet.pointee.pts -= shift }
                if packet.pointee.dts != nopts { packet.pointee.dts -= shift }
                return true
            }
            av_packet_unref(packet)
        }
    }
}

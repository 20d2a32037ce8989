import CVideoTracker

/// Encodes frames as JPEG with libavcodec's MJPEG encoder (already linked, so no image library is
/// added): a camera's live view. Blocking (a few milliseconds for 720p); not thread-safe, one per
/// thread, e.g. called from a session's sink when somebody is watching.
public final class JPEGEncoder {
    /// 1 (smallest) to 100 (best), mapped onto MJPEG's quantiser scale 31...2.
    public let quality: Int
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var scaler: OpaquePointer?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?

    public init(quality: Int = 80) {
        self.quality = min(100, max(1, quality))
        packet = av_packet_alloc()
    }

    deinit {
        sws_freeContext(scaler)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
    }

    /// The JPEG bytes of `image`.
    public func encode(_ image: FrameBuffer) throws -> [UInt8] {
        try prepare(width: image.width, height: image.height)
        guard let codec, let frame, let packet else {
            throw TrackingError(.internalFailure, code: "jpeg_failed", "the JPEG encoder could not be set up")
        }
        guard av_frame_make_writable(frame) >= 0 else {
            throw TrackingError(.internalFailure, code: "jpeg_failed", "no writable picture for the JPEG encoder")
        }
        scaler = sws_getCachedContext(scaler, Int32(image.width), Int32(image.height), AV_PIX_FMT_BGR24,
                                      Int32(image.width), Int32(image.height), AV_PIX_FMT_YUVJ420P,
                                      SWS_BILINEAR, nil, nil, nil)
        var source: UnsafePointer<UInt8>? = UnsafePointer(image.pixels.assumingMemoryBound(to: UInt8.self))
        var stride = Int32(image.bytesPerRow)
        withUnsafeMutablePointer(to: &frame.pointee.data) { data in
            withUnsafeMutablePointer(to: &frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                        _ = sws_scale(scaler, &source, &stride, 0, Int32(image.height), planes, strides)
                    }
                }
            }
        }
        frame.pointee.quality = codec.pointee.global_quality
        var result = avcodec_send_frame(codec, frame)
        if result >= 0 { result = avcodec_receive_packet(codec, packet) }
        guard result >= 0 else {
            throw TrackingError(.internalFailure, code: "jpeg_failed", "JPEG encoding failed: \(VideoDecoder.describe(result))")
        }
        defer { av_packet_unref(packet) }
        return Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    }

    /// An encoder for this size (a stream that changes size gets a new one).
    private func prepare(width: Int, height: Int) throws {
        if let codec, codec.pointee.width == Int32(width), codec.pointee.height == Int32(height) { return }
        avcodec_free_context(&codec)
        av_frame_free(&frame)
        guard let mjpeg = avcodec_find_encoder(AV_CODEC_ID_MJPEG), let made = avcodec_alloc_context3(mjpeg) else {
            throw TrackingError(.internalFailure, code: "jpeg_failed", "this libavcodec has no MJPEG encoder")
        }
        codec = made
        made.pointee.width = Int32(width)
        made.pointee.height = Int32(height)
        made.pointee.time_base = AVRational(num: 1, den: 25)
        made.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        made.pointee.color_range = AVCOL_RANGE_JPEG
        made.pointee.flags |= AV_CODEC_FLAG_QSCALE
        let scale = 31 - (quality - 1) * 29 / 99
        made.pointee.global_quality = Int32(scale) * FF_QP2LAMBDA
        let opened = avcodec_open2(made, mjpeg, nil)
        guard opened >= 0 else {
            throw TrackingError(.internalFailure, code: "jpeg_failed", "the MJPEG encoder did not open: \(VideoDecoder.describe(opened))")
        }
        frame = av_frame_alloc()
        frame!.pointee.width = Int32(width)
        frame!.pointee.height = Int32(height)
        frame!.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        guard av_frame_get_buffer(frame, 0) >= 0 else {
            throw TrackingError(.internalFailure, code: "out_of_memory", "no picture for the JPEG encoder")
        }
    }
}

import CVideoTracker

/// One frame encoded as a picture by a libavcodec image encoder (MJPEG for `JPEGEncoder`, PNG for
/// `PNGEncoder`): the BGR frame converted by swscale into the encoder's pixel format, then one
/// packet. The encoder and its picture are kept for the next frame of the same size. Blocking;
/// not thread-safe.
final class PictureEncoder {
    /// What the pictures are called in errors and error codes (`jpeg`, `png`).
    let name: String
    private let codecID: AVCodecID
    private let pixelFormat: AVPixelFormat
    /// Settings beyond the size and pixel format, made before the encoder opens.
    private let configure: (UnsafeMutablePointer<AVCodecContext>) -> Void
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var scaler: OpaquePointer?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?

    init(name: String, codecID: AVCodecID, pixelFormat: AVPixelFormat,
         configure: @escaping (UnsafeMutablePointer<AVCodecContext>) -> Void) {
        self.name = name
        self.codecID = codecID
        self.pixelFormat = pixelFormat
        self.configure = configure
        packet = av_packet_alloc()
    }

    deinit {
        sws_freeContext(scaler)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
    }

    func encode(_ image: FrameBuffer) throws -> [UInt8] {
        try prepare(width: image.width, height: image.height)
        guard let codec, let frame, let packet else { throw failure("the \(name.uppercased()) encoder could not be set up") }
        guard av_frame_make_writable(frame) >= 0 else { throw failure("no writable picture for the \(name.uppercased()) encoder") }
        // BGR to RGB (PNG) is a channel swap; swscale's unscaled path copies it exactly.
        scaler = sws_getCachedContext(scaler, Int32(image.width), Int32(image.height), AV_PIX_FMT_BGR24,
                                      Int32(image.width), Int32(image.height), pixelFormat, SWS_BILINEAR, nil, nil, nil)
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
        guard result >= 0 else { throw failure("\(name.uppercased()) encoding failed: \(VideoDecoder.describe(result))") }
        defer { av_packet_unref(packet) }
        return Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    }

    /// An encoder for this size (a stream that changes size gets a new one).
    private func prepare(width: Int, height: Int) throws {
        if let codec, codec.pointee.width == Int32(width), codec.pointee.height == Int32(height) { return }
        avcodec_free_context(&codec)
        av_frame_free(&frame)
        guard let encoder = avcodec_find_encoder(codecID), let made = avcodec_alloc_context3(encoder) else {
            throw failure("this libavcodec has no \(name.uppercased()) encoder")
        }
        codec = made
        made.pointee.width = Int32(width)
        made.pointee.height = Int32(height)
        made.pointee.time_base = AVRational(num: 1, den: 25)
        made.pointee.pix_fmt = pixelFormat
        configure(made)
        let opened = avcodec_open2(made, encoder, nil)
        guard opened >= 0 else { throw failure("the \(name.uppercased()) encoder did not open: \(VideoDecoder.describe(opened))") }
        frame = av_frame_alloc()
        frame!.pointee.width = Int32(width)
        frame!.pointee.height = Int32(height)
        frame!.pointee.format = pixelFormat.rawValue
        guard av_frame_get_buffer(frame, 0) >= 0 else {
            throw TrackingError(.internalFailure, code: "out_of_memory", "no picture for the \(name.uppercased()) encoder")
        }
    }

    private func failure(_ message: String) -> TrackingError {
        TrackingError(.internalFailure, code: "\(name)_failed", message)
    }
}

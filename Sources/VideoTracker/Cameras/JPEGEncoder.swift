import CVideoTracker

/// Encodes frames as JPEG with libavcodec's MJPEG encoder (already linked, so no image library is
/// added): a camera's live view. Blocking (a few milliseconds for 720p); not thread-safe, one per
/// thread, e.g. called from a session's sink when somebody is watching.
public final class JPEGEncoder {
    /// 1 (smallest) to 100 (best), mapped onto MJPEG's quantiser scale 31...2.
    public let quality: Int
    private let encoder: PictureEncoder

    public init(quality: Int = 80) {
        let quality = min(100, max(1, quality))
        self.quality = quality
        encoder = PictureEncoder(name: "jpeg", codecID: AV_CODEC_ID_MJPEG, pixelFormat: AV_PIX_FMT_YUVJ420P) { codec in
            codec.pointee.color_range = AVCOL_RANGE_JPEG
            codec.pointee.flags |= AV_CODEC_FLAG_QSCALE
            let scale = 31 - (quality - 1) * 29 / 99
            codec.pointee.global_quality = Int32(scale) * FF_QP2LAMBDA
        }
    }

    /// The JPEG bytes of `image`.
    public func encode(_ image: FrameBuffer) throws -> [UInt8] { try encoder.encode(image) }
}

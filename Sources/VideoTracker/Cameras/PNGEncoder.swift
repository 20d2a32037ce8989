import CVideoTracker

/// Encodes frames as PNG (RGB, 8 bits a channel, lossless) with libavcodec's PNG encoder: the
/// analytics pictures, whose flat colours JPEG would smear. Blocking (tens of milliseconds for
/// 720p); not thread-safe, one per thread or per picture.
public final class PNGEncoder {
    private let encoder = PictureEncoder(name: "png", codecID: AV_CODEC_ID_PNG, pixelFormat: AV_PIX_FMT_RGB24) { _ in }

    public init() {}

    /// The PNG bytes of `image`.
    public func encode(_ image: FrameBuffer) throws -> [UInt8] { try encoder.encode(image) }
}

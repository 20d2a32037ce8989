import CVideoTracker

/// Where a frame lands in the detector's square input, as YOLOX's preprocessing puts it: scaled
/// by one ratio to fit (sides truncated to whole pixels, as `int(w * r)`), at the top-left corner,
/// the rest grey (114). A box found in the input is the frame's box divided by that ratio.
public struct Letterbox: Sendable, Equatable {
    /// YOLOX's padding grey, in every channel.
    public static let fill: UInt8 = 114

    public let inputSize: Int
    /// Input pixels per frame pixel.
    public let ratio: Double
    public let resizedWidth: Int
    public let resizedHeight: Int

    public init(frameWidth: Int, frameHeight: Int, inputSize: Int) {
        self.inputSize = inputSize
        let side = Double(inputSize)
        ratio = min(side / Double(frameHeight), side / Double(frameWidth))
        // At least one pixel: a frame a thousand times wider than high still gives an image.
        resizedWidth = min(inputSize, max(1, Int(Double(frameWidth) * ratio)))
        resizedHeight = min(inputSize, max(1, Int(Double(frameHeight) * ratio)))
    }

    /// A box in input pixels as a box in frame pixels.
    public func frameBox(_ box: Box) -> Box {
        Box(left: box.left / ratio, top: box.top / ratio, right: box.right / ratio, bottom: box.bottom / ratio)
    }

    /// Writes `frame`, letterboxed, into `input` (planar B, G, R floats, 3 x inputSize x inputSize).
    func fill(_ input: UnsafeMutableBufferPointer<Float>, from frame: FrameBuffer) throws {
        precondition(input.count >= 3 * inputSize * inputSize, "the input tensor is smaller than the letterbox")
        try withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { error in
            error[0] = 0
            let status = cvt_letterbox(frame.image, Int32(resizedWidth), Int32(resizedHeight), Int32(inputSize),
                                       Self.fill, input.baseAddress, error.baseAddress, error.count)
            guard status == CVT_OK else {
                throw TrackingError(.internalFailure, code: "letterbox_failed", String(cString: error.baseAddress!))
            }
        }
    }
}

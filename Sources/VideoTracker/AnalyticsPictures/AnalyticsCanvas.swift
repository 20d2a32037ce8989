import Foundation

/// What the analytics pictures (`HeatmapPicture`, `TrajectoriesPicture`) are drawn on: a frame of
/// the camera when there is one, else a plain dark canvas the size of the camera's pictures.
public enum AnalyticsCanvas {
    /// The plain canvas: dark grey, under which the ramp's blue and the palette's dark colours still show.
    public static let background = BoxColor(red: 32, green: 32, blue: 32)
    /// The canvas when nothing tells the camera's size.
    public static let defaultSize = (width: 640, height: 480)
    /// A plain canvas's side is at most this (4K UHD's width; 44 MB at most): imported records may
    /// lie anywhere, and the picture should not follow them into gigabytes.
    public static let maxSide = 3840

    /// The plain canvas's size when no frame is at hand: the extent of the camera's records (the
    /// furthest right and bottom edges of their boxes, rounded up: the pictures they came from
    /// were at least that large), or `defaultSize` when it has none.
    public static func size(recordsRight: Double?, recordsBottom: Double?) -> (width: Int, height: Int) {
        guard let recordsRight, let recordsBottom, recordsRight.isFinite, recordsBottom.isFinite,
              recordsRight > 0, recordsBottom > 0 else { return defaultSize }
        return (Int(min(Double(maxSide), recordsRight.rounded(.up))), Int(min(Double(maxSide), recordsBottom.rounded(.up))))
    }

    /// A canvas of `width` x `height` filled with `background`.
    public static func plain(width: Int, height: Int) -> FrameBuffer {
        let canvas = FrameBuffer(width: min(maxSide, max(1, width)), height: min(maxSide, max(1, height)))
        let (blue, green, red) = background.bgr
        for row in 0..<canvas.height {
            let pixels = (canvas.pixels + row * canvas.bytesPerRow).assumingMemoryBound(to: UInt8.self)
            for column in 0..<canvas.width {
                pixels[3 * column] = blue
                pixels[3 * column + 1] = green
                pixels[3 * column + 2] = red
            }
        }
        return canvas
    }

    /// A picture (JPEG, PNG: anything libavcodec decodes) as a canvas: a camera's last frame.
    /// Blocking.
    public static func decoding(_ picture: [UInt8]) throws -> FrameBuffer {
        let decoder = try VideoDecoder(source: MemoryByteSource(picture))
        guard let number = try decoder.nextFrame() else {
            throw TrackingError(.internalFailure, code: "picture_unreadable", "the camera's last frame could not be decoded")
        }
        let canvas = decoder.makeBuffer()
        decoder.convert(into: canvas, number: number)
        return canvas
    }
}

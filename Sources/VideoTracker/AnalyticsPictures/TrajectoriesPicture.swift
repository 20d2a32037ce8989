import CVideoTracker

/// Tracks' paths drawn over a canvas (`AnalyticsCanvas`): each track's positions joined by an
/// anti-aliased line in its own colour (`BoxColor.forTrack`), and a disc where it was last.
/// Positions come in pieces, track after track in order, as the store pages them: a piece of the
/// same track as the last goes on from its last point, so a track is never held whole.
///
/// One caller at a time (it may move between threads between calls); drawing is blocking.
public final class TrajectoriesPicture: @unchecked Sendable {
    public let canvas: FrameBuffer
    private let lineThickness: Int32
    private let discRadius: Int32
    private var current: (trackID: Int64, x: Double, y: Double)?

    public init(canvas: FrameBuffer) {
        self.canvas = canvas
        // The annotated video's box lines: 2 px up to 540 rows, growing above.
        let style = AnnotationStyle(width: canvas.width, height: canvas.height)
        lineThickness = Int32(style.lineThickness)
        discRadius = Int32(style.lineThickness * 2)
    }

    /// Draws the next positions of `trackID`, in time order.
    public func add(trackID: Int64, points: [(x: Double, y: Double)]) throws {
        guard !points.isEmpty else { return }
        var line: [Double] = []
        if let current, current.trackID == trackID {
            line = [current.x, current.y]
        } else {
            try finishTrack()
        }
        for point in points { line += [point.x, point.y] }
        let color = BoxColor.forTrack(trackID)
        var bytes: [UInt8] = [color.blue, color.green, color.red]
        var error = [CChar](repeating: 0, count: 256)
        let status = cvt_draw_polyline(canvas.canvas, line, Int32(line.count / 2), &bytes, lineThickness, &error, error.count)
        guard status == CVT_OK else { throw Annotator.drawFailure(error) }
        current = (trackID, points.last!.x, points.last!.y)
    }

    /// Draws the last track's end; call once after the last `add`.
    public func finish() throws { try finishTrack() }

    private func finishTrack() throws {
        guard let current else { return }
        self.current = nil
        let color = BoxColor.forTrack(current.trackID)
        var bytes: [UInt8] = [color.blue, color.green, color.red]
        var error = [CChar](repeating: 0, count: 256)
        let status = cvt_draw_disc(canvas.canvas, current.x, current.y, discRadius, &bytes, &error, error.count)
        guard status == CVT_OK else { throw Annotator.drawFailure(error) }
    }
}

import CVideoTracker
import Foundation

/// Draws detections onto a frame in place: each box outlined in its class's colour
/// (`BoxColor.forClass`), with a filled label such as `person 0.87` (`#12 person 0.87` once a
/// tracker has given ids) above it, or just inside its top when the frame has no room above.
/// Line width and text size grow with the frame, so labels read alike at 360p and at 1080p.
///
/// Drawing is a few OpenCV calls through the C shim (a few microseconds a box): it may run on
/// any thread, but one frame is drawn by one thread at a time.
public struct Annotator: Sendable {
    /// Class names by class id; an id past the end is drawn as `class <id>`.
    public let classNames: [String]

    public init(classNames: [String]) {
        self.classNames = classNames
    }

    /// Draws every detection: all outlines first, then all labels, so no box's line crosses
    /// another's text. Boxes are clipped to the frame; one wholly outside it is not drawn.
    public func draw(_ detections: Detections, on frame: FrameBuffer) throws {
        let style = AnnotationStyle(width: frame.width, height: frame.height)
        let visible = detections.boxes.indices.compactMap { index -> (Int, Box)? in
            detections.boxes[index].pixelBox(width: frame.width, height: frame.height).map { (index, $0) }
        }
        for (index, box) in visible {
            try drawBox(box, color: BoxColor.forClass(detections.classIDs[index]), label: nil, style: style, on: frame)
        }
        for (index, box) in visible {
            let color = BoxColor.forClass(detections.classIDs[index])
            let text = label(at: index, of: detections)
            try drawBox(box, color: color, label: (text, placeLabel(text, over: box, style: style, frame: frame)),
                        style: style, on: frame)
        }
    }

    /// The label of detection `index`: `[#<track id> ]<class name> <score, 2 decimals>`, ASCII.
    public func label(at index: Int, of detections: Detections) -> String {
        let classID = detections.classIDs[index]
        let name = classNames.indices.contains(classID) ? classNames[classID] : "class \(classID)"
        var text = String(format: "%@ %.2f", name, Double(detections.scores[index]))
        if let trackIDs = detections.trackIDs { text = "#\(trackIDs[index]) " + text }
        // OpenCV's Hershey font has ASCII only; anything else would come out as '?' anyway.
        return String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20..<0x7f).contains($0.value) ? $0 : "?" }))
    }

    // MARK: - Layout

    struct LabelPlacement: Equatable {
        /// Whole pixels: the filled rectangle.
        var left: Int, top: Int, width: Int, height: Int
        var baselineX: Int, baselineY: Int
    }

    /// Above the box's outline, left-aligned with it; inside the box's top when there is no room
    /// above; moved left when it would run off the right edge.
    func placeLabel(_ text: String, over box: Box, style: AnnotationStyle, frame: FrameBuffer) throws -> LabelPlacement {
        let (textWidth, textHeight, depth) = try Self.textSize(text, style: style)
        let padX = max(2, Int((Double(textHeight) * 0.3).rounded()))
        let padY = max(2, Int((Double(textHeight) * 0.25).rounded()))
        let width = textWidth + 2 * padX
        // Hershey's descent below the baseline is generous; most of it is enough for "p" and "y".
        let height = textHeight + Int((Double(depth) * 0.6).rounded()) + 2 * padY
        let half = style.lineThickness / 2
        let outerLeft = Int(box.left) - half
        let outerTop = Int(box.top) - half
        var top = outerTop - height
        if top < 0 { top = max(0, outerTop) }
        let left = max(0, min(outerLeft, frame.width - width))
        return LabelPlacement(left: left, top: top, width: width, height: height,
                              baselineX: left + padX, baselineY: top + padY + textHeight)
    }

    static func textSize(_ text: String, style: AnnotationStyle) throws -> (width: Int, height: Int, depth: Int) {
        var size: [Int32] = [0, 0, 0]
        var error = [CChar](repeating: 0, count: 256)
        let status = cvt_text_size(text, style.fontScale, Int32(style.textThickness), &size, &error, error.count)
        guard status == CVT_OK else { throw drawFailure(error) }
        return (Int(size[0]), Int(size[1]), Int(size[2]))
    }

    // MARK: - Pixels

    /// One shim call: the outline (when `label` is nil) or the label (then the outline is skipped).
    private func drawBox(_ box: Box, color: BoxColor, label: (text: String, placement: LabelPlacement)?,
                         style: AnnotationStyle, on frame: FrameBuffer) throws {
        let outline = cvt_rect(x: box.left, y: box.top, width: box.width, height: box.height)
        var colorBytes: [UInt8] = [color.blue, color.green, color.red]
        var error = [CChar](repeating: 0, count: 256)
        let status: cvt_status
        if let label {
            let textColor = color.textColor
            let placed = label.placement
            status = label.text.withCString { text in
                var shimLabel = cvt_label(
                    text: text,
                    background: cvt_rect(x: Double(placed.left), y: Double(placed.top),
                                         width: Double(placed.width), height: Double(placed.height)),
                    baseline_x: Double(placed.baselineX), baseline_y: Double(placed.baselineY),
                    color: (textColor.blue, textColor.green, textColor.red),
                    font_scale: style.fontScale, thickness: Int32(style.textThickness))
                return cvt_draw_labelled_box(frame.canvas, outline, &colorBytes, 0, &shimLabel, &error, error.count)
            }
        } else {
            status = cvt_draw_labelled_box(frame.canvas, outline, &colorBytes, Int32(style.lineThickness), nil,
                                           &error, error.count)
        }
        guard status == CVT_OK else { throw Self.drawFailure(error) }
    }

    static func drawFailure(_ error: [CChar]) -> TrackingError {
        TrackingError(.internalFailure, code: "draw_failed", "drawing a box failed: \(String(cText: error))")
    }
}

/// Line and text sizes for a frame size, from its shorter side: 2 px lines and 0.5 text (letters
/// 11 px high, the least that reads well after encoding) up to 400 rows, growing in proportion
/// above (0.6 at 480p, 4 px lines and 1.35 with 2 px strokes at 1080p).
struct AnnotationStyle: Equatable {
    var lineThickness: Int
    var fontScale: Double
    var textThickness: Int

    init(width: Int, height: Int) {
        let shorter = Double(min(width, height))
        lineThickness = max(2, Int((shorter / 270).rounded()))
        fontScale = min(3, max(0.5, shorter / 800))
        textThickness = max(1, Int((fontScale * 1.5).rounded()))
    }
}

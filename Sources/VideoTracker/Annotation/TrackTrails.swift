import CVideoTracker

/// The last positions of each track, for drawing short trails behind them in the annotated video.
/// A position is the bottom centre of the box, where the feet are (as the analytics count it).
/// A track not seen for as many frames as a trail holds is forgotten.
public struct TrackTrails: Sendable {
    /// Positions kept per track.
    public let length: Int
    private var points: [Int: [(x: Double, y: Double)]] = [:]
    private var classes: [Int: Int] = [:]
    private var lastSeen: [Int: Int] = [:]
    private var frame = 0

    public init(length: Int) {
        self.length = max(2, length)
    }

    /// Adds this frame's tracks (detections without track ids add nothing).
    public mutating func update(with tracks: Detections) {
        frame += 1
        guard let ids = tracks.trackIDs else { return }
        for (index, id) in ids.enumerated() {
            let box = tracks.boxes[index]
            points[id, default: []].append(((box.left + box.right) / 2, box.bottom))
            if points[id]!.count > length { points[id]!.removeFirst(points[id]!.count - length) }
            classes[id] = tracks.classIDs[index]
            lastSeen[id] = frame
        }
        for (id, seen) in lastSeen where frame - seen >= length {
            points[id] = nil
            classes[id] = nil
            lastSeen[id] = nil
        }
    }

    /// Each track's trail, oldest point first, with its class id; ordered by track id.
    public var trails: [(trackID: Int, classID: Int, points: [(x: Double, y: Double)])] {
        points.keys.sorted().map { ($0, classes[$0]!, points[$0]!) }
    }
}

extension Annotator {
    /// Draws each trail as a line in its class's colour, thinner than the boxes, under them.
    public func draw(_ trails: TrackTrails, on frame: FrameBuffer) throws {
        let style = AnnotationStyle(width: frame.width, height: frame.height)
        let thickness = Int32(max(1, style.lineThickness - 1))
        for trail in trails.trails where trail.points.count >= 2 {
            let color = BoxColor.forClass(trail.classID)
            var bytes: [UInt8] = [color.blue, color.green, color.red]
            let flat = trail.points.flatMap { [$0.x, $0.y] }
            var error = [CChar](repeating: 0, count: 256)
            let status = cvt_draw_polyline(frame.canvas, flat, Int32(trail.points.count), &bytes, thickness, &error, error.count)
            guard status == CVT_OK else { throw Self.drawFailure(error) }
        }
    }
}

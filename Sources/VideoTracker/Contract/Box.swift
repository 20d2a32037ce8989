/// An axis-aligned box in pixels: the contract's `[{"x": left, "y": top}, {"x": right, "y": bottom}]`.
public struct Box: Sendable, Equatable, CustomStringConvertible {
    public var left: Double
    public var top: Double
    public var right: Double
    public var bottom: Double

    public init(left: Double, top: Double, right: Double, bottom: Double) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.init(left: x, top: y, right: x + width, bottom: y + height)
    }

    public var width: Double { right - left }
    public var height: Double { bottom - top }
    public var area: Double { max(0, width) * max(0, height) }

    public var description: String { "[\(left), \(top)] - [\(right), \(bottom)]" }

    /// The part of the box inside a `width` x `height` image.
    public func clipped(width imageWidth: Int, height imageHeight: Int) -> Box {
        Box(left: min(max(left, 0), Double(imageWidth)), top: min(max(top, 0), Double(imageHeight)),
            right: min(max(right, 0), Double(imageWidth)), bottom: min(max(bottom, 0), Double(imageHeight)))
    }

    /// Whole pixels, clipped to the image; nil when nothing of it is left (a tracker's box that
    /// has zero size or lies off the image counts as lost).
    public func pixelBox(width imageWidth: Int, height imageHeight: Int) -> Box? {
        guard left.isFinite, top.isFinite, right.isFinite, bottom.isFinite else { return nil }
        let rounded = Box(left: left.rounded(), top: top.rounded(), right: right.rounded(), bottom: bottom.rounded())
            .clipped(width: imageWidth, height: imageHeight)
        return rounded.width >= 1 && rounded.height >= 1 ? rounded : nil
    }

    /// Intersection over union, 0 when either box is empty.
    public func intersectionOverUnion(_ other: Box) -> Double {
        let overlap = Box(left: max(left, other.left), top: max(top, other.top),
                          right: min(right, other.right), bottom: min(bottom, other.bottom)).area
        let union = area + other.area - overlap
        return union > 0 ? overlap / union : 0
    }
}

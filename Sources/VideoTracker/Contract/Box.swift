import Foundation

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

/// Reading a box from the contract's JSON, with a message that says what a box is and what the
/// usual mistakes (x, y, width, height; one point; numbers in strings) should have been.
enum BoxReading {
    static func box(from value: JSONValue, field: String) throws -> Box {
        if case .array(let elements) = value, elements.count == 2,
           let first = point(elements[0]), let second = point(elements[1]) {
            let box = Box(left: first.x, top: first.y, right: second.x, bottom: second.y)
            guard [box.left, box.top, box.right, box.bottom].allSatisfy(\.isFinite) else {
                throw TrackingError.invalid(field, "\(field) has a coordinate too large to be a number of pixels: got \(value.quoted())")
            }
            return box
        }
        var message = "\(field) must be a box, \(TrackRequest.boxShape); got \(value.quoted())"
        if let hint = hint(for: value) { message += ": " + hint }
        throw TrackingError.invalid(field, message)
    }

    /// A point `{"x": number, "y": number}` (other members, such as the platform's "z", are ignored).
    private static func point(_ value: JSONValue) -> (x: Double, y: Double)? {
        guard let x = value["x"]?.number, let y = value["y"]?.number else { return nil }
        return (x, y)
    }

    private static func hint(for value: JSONValue) -> String? {
        func suggestion(_ x: Double, _ y: Double, _ width: Double, _ height: Double) -> String {
            ContractJSON.boxJSON(Box(x: x, y: y, width: width, height: height))
        }
        func hasStringNumbers(_ value: JSONValue) -> Bool {
            ["x", "y", "w", "h", "width", "height"].contains { name in
                value[name]?.string.map { Double($0.trimmingCharacters(in: .whitespaces)) != nil } ?? false
            }
        }
        switch value {
        case .array(let elements) where elements.count == 4:
            let numbers = elements.compactMap(\.number)
            if numbers.count == 4 {
                return "four numbers are not a box; if they are [x, y, width, height], send "
                    + suggestion(numbers[0], numbers[1], numbers[2], numbers[3])
            }
            if elements.allSatisfy({ $0.string != nil }) { return "the coordinates must be numbers, not strings" }
            return nil
        case .object:
            if hasStringNumbers(value) { return "the coordinates must be numbers, not strings, and a box is a list of two points" }
            if let x = value["x"]?.number, let y = value["y"]?.number {
                if let width = (value["w"] ?? value["width"])?.number, let height = (value["h"] ?? value["height"])?.number {
                    return "one object with x, y, width and height is not a box; send " + suggestion(x, y, width, height)
                }
                return "that is one point; a box needs two"
            }
            return "a box is a list of two points, not one object"
        case .array(let elements):
            if elements.contains(where: hasStringNumbers) { return "x and y must be numbers, not strings" }
            if elements.count == 1, point(elements[0]) != nil { return "that is one point; a box needs two" }
            if elements.count == 2, elements.allSatisfy({ if case .array = $0 { true } else { false } }) {
                return "points are objects with x and y, not lists"
            }
            if elements.count == 2 {
                for (index, element) in elements.enumerated() {
                    for name in ["x", "y"] where element[name] == nil {
                        return "point \(index + 1) has no \"\(name)\""
                    }
                    for name in ["x", "y"] where element[name]?.number == nil {
                        return "point \(index + 1)'s \"\(name)\" is not a number"
                    }
                }
            }
            if elements.allSatisfy({ point($0) != nil }) { return "that is \(elements.count) points; a box has two" }
            return nil
        default:
            return nil
        }
    }
}

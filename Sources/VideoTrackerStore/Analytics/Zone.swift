import SQLKit

/// A point of the picture, pixels.
public struct ZonePoint: Sendable, Equatable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A region of the picture: a polygon in pixels (at least three points; the caller checks),
/// the rectangle x1,y1,x2,y2 its short form. A position on the boundary is inside; elsewhere the
/// even-odd rule decides (a self-crossing polygon's overlaps are outside).
public struct Zone: Sendable, Equatable {
    public var points: [ZonePoint]
    /// Set for the short form, which tests as four comparisons.
    let rectangle: (x1: Double, y1: Double, x2: Double, y2: Double)?

    public static let minimumPoints = 3

    public init(points: [ZonePoint]) {
        self.points = points
        self.rectangle = nil
    }

    /// The rectangle with corners (x1, y1) and (x2, y2), x1 <= x2 and y1 <= y2.
    public static func rectangle(x1: Double, y1: Double, x2: Double, y2: Double) -> Zone {
        Zone(points: [ZonePoint(x: x1, y: y1), ZonePoint(x: x2, y: y1), ZonePoint(x: x2, y: y2), ZonePoint(x: x1, y: y2)],
             rectangle: (x1, y1, x2, y2))
    }

    private init(points: [ZonePoint], rectangle: (x1: Double, y1: Double, x2: Double, y2: Double)?) {
        self.points = points
        self.rectangle = rectangle
    }

    public static func == (lhs: Zone, rhs: Zone) -> Bool { lhs.points == rhs.points }

    /// SQL that is true when the position (columns `x`, `y`) is inside or on the boundary.
    /// Per edge (a to b): on it when collinear, (b - a) x (p - a) = 0, and within the edge's box;
    /// crossings of a ray to the left, counted on the edges that span p's y (half-open, so a
    /// vertex counts once). Horizontal edges are left out of the count (they never span a y),
    /// which also keeps their division by zero out of the SQL.
    func contains(x: String, y: String) -> SQLQueryString {
        let px: SQLQueryString = "\(unsafeRaw: x)", py: SQLQueryString = "\(unsafeRaw: y)"
        if let r = rectangle {
            return "(\(px) >= \(bind: r.x1) AND \(px) <= \(bind: r.x2) AND \(py) >= \(bind: r.y1) AND \(py) <= \(bind: r.y2))"
        }
        var onEdge: [SQLQueryString] = []
        var crossings: [SQLQueryString] = []
        for (index, a) in points.enumerated() {
            let b = points[(index + 1) % points.count]
            let dx = b.x - a.x, dy = b.y - a.y
            onEdge.append("""
                (\(bind: dx) * (\(py) - \(bind: a.y)) = \(bind: dy) * (\(px) - \(bind: a.x)) \
                AND \(px) >= \(bind: min(a.x, b.x)) AND \(px) <= \(bind: max(a.x, b.x)) \
                AND \(py) >= \(bind: min(a.y, b.y)) AND \(py) <= \(bind: max(a.y, b.y)))
                """)
            if dy != 0 {
                crossings.append("""
                    CASE WHEN (\(py) < \(bind: a.y)) <> (\(py) < \(bind: b.y)) \
                    AND \(px) < \(bind: dx) * (\(py) - \(bind: a.y)) / \(bind: dy) + \(bind: a.x) THEN 1 ELSE 0 END
                    """)
            }
        }
        let odd: SQLQueryString = crossings.isEmpty ? "1 = 0" : "(\(crossings.joined(separator: " + "))) % 2 = 1"
        // The bounding box first (exact, boundary included): most positions are rejected by four comparisons.
        let xs = points.map(\.x), ys = points.map(\.y)
        let box: SQLQueryString = """
            \(px) >= \(bind: xs.min() ?? 0) AND \(px) <= \(bind: xs.max() ?? 0) \
            AND \(py) >= \(bind: ys.min() ?? 0) AND \(py) <= \(bind: ys.max() ?? 0)
            """
        return "(\(box) AND (\(onEdge.joined(separator: " OR ")) OR \(odd)))"
    }
}

import Foundation
import Hummingbird
import VideoTracker
import VideoTrackerStore

/// The query parameters of the analytics routes, checked: each refusal is a 400 naming the
/// parameter and what is expected. Every route takes `from`, `to` (ISO 8601, [from, to)),
/// `format` (json or csv) and, where answers are per hour, `tz` (an IANA time zone; UTC when not given).
enum AnalyticsQuery {
    static let formats = ["json", "csv"]
    /// A polygon's points: beyond this the SQL grows long for no use a camera picture has.
    static let maxZonePoints = 100
    static let maxStays = 1000
    static let maxCell = 4096

    static func format(_ query: Parameters) throws -> String {
        let format = query.get("format") ?? "json"
        guard formats.contains(format) else {
            throw TrackingError.field("format", "format must be one of \(formats.joined(separator: ", ")); got \(format)")
        }
        return format
    }

    static func scope(camera: String, _ query: Parameters) throws -> TrackAnalytics.Scope {
        let window = try TimeWindow(query)
        return TrackAnalytics.Scope(camera: camera, from: window.from, to: window.to)
    }

    static func hours(_ query: Parameters) throws -> ClockHours {
        guard let name = query.get("tz") else { return .utc }
        guard let zone = TimeZone(identifier: name) else {
            throw TrackingError.field("tz", "tz must be an IANA time zone such as Europe/Paris or Asia/Kolkata; got \(name)")
        }
        return ClockHours(timeZone: zone)
    }

    /// The heatmap's `cell`: its side in pixels, 32 when not given.
    static func cell(_ query: Parameters) throws -> Int {
        try integer(query, "cell", in: 1...maxCell, meaning: "the grid's cell side in pixels") ?? 32
    }

    /// A whole number in `range`, or `fallback` when not given.
    static func integer(_ query: Parameters, _ name: String, in range: ClosedRange<Int>, meaning: String) throws -> Int? {
        guard let text = query.get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw TrackingError.field(name, "\(name) (\(meaning)) must be a whole number from \(range.lowerBound) to "
                                      + "\(range.upperBound); got \(text)")
        }
        return value
    }

    /// The zone a `GET /cameras/{id}/zone` asks about: the rectangle `x1,y1,x2,y2` or the saved
    /// polygon `zone=NAME` (nil: look it up), one or the other.
    enum ZoneChoice {
        case rectangle(Zone)
        case saved(String)
    }

    static func zone(_ query: Parameters) throws -> ZoneChoice {
        let corners = ["x1", "y1", "x2", "y2"]
        let given = corners.filter { query.get($0) != nil }
        if let name = query.get("zone") {
            guard given.isEmpty else {
                throw TrackingError.field("zone", "give either zone=NAME or the rectangle x1,y1,x2,y2, not both")
            }
            return .saved(name)
        }
        guard !given.isEmpty else {
            throw TrackingError.field("zone", "the zone is required: the rectangle x1=&y1=&x2=&y2= (pixels) or zone=NAME, "
                                      + "a polygon saved with POST /cameras/{id}/zones")
        }
        var values: [Double] = []
        for name in corners {
            guard let text = query.get(name) else {
                throw TrackingError.field(name, "\(name) is required with the rectangle's other corners (x1, y1, x2, y2)")
            }
            guard let value = Double(text), value.isFinite else {
                throw TrackingError.field(name, "\(name) must be a number (pixels); got \(text)")
            }
            values.append(value)
        }
        if values[2] < values[0] {
            throw TrackingError.field("x2", "x2 must not be less than x1 (the rectangle's right edge is x2); "
                                      + "got x1 \(query.get("x1")!) and x2 \(query.get("x2")!)")
        }
        if values[3] < values[1] {
            throw TrackingError.field("y2", "y2 must not be less than y1 (the rectangle's bottom edge is y2); "
                                      + "got y1 \(query.get("y1")!) and y2 \(query.get("y2")!)")
        }
        return .rectangle(.rectangle(x1: values[0], y1: values[1], x2: values[2], y2: values[3]))
    }

    /// A zone's name: it goes in URLs, so letters, digits, `-`, `_` and `.`.
    static func checkZoneName(_ name: String, field: String) throws {
        let allowed = name.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || "-_.".unicodeScalars.contains($0)
        }
        guard (1...64).contains(name.count), allowed else {
            throw TrackingError.field(field, "\(field) must be 1 to 64 characters of letters, digits, -, _ and .; got \(name)")
        }
    }

    /// `points` of a saved zone: [[x, y], ...], at least three, numbers in pixels.
    static func points(_ value: JSONValue?) throws -> [ZonePoint] {
        let expected = "points must be a list of at least \(Zone.minimumPoints) and at most \(maxZonePoints) [x, y] pairs "
            + "(pixels), such as [[100, 200], [400, 200], [400, 500]]"
        guard let value, case .array(let elements) = value else {
            throw TrackingError.field("points", expected + "; got " + (value.map { "\($0.kindName) \($0.quoted())" } ?? "none"))
        }
        guard (Zone.minimumPoints...maxZonePoints).contains(elements.count) else {
            throw TrackingError.field("points", expected + "; got \(elements.count) point\(elements.count == 1 ? "" : "s")")
        }
        return try elements.map { element in
            guard case .array(let pair) = element, pair.count == 2, let x = pair[0].number, let y = pair[1].number,
                  x.isFinite, y.isFinite else {
                throw TrackingError.field("points", expected + "; got the point \(element.quoted())")
            }
            return ZonePoint(x: x, y: y)
        }
    }
}

/// A table answer as CSV: a header line, then a line a row.
func csv(_ header: String, _ lines: [String]) -> Response {
    let text = ([header] + lines).joined(separator: "\n") + "\n"
    return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}

import Foundation

/// What to do with frames where the tracker lost its object.
public enum LostFrames: String, Sendable, CaseIterable {
    /// Leave the frame out (the annotation studio's expectation).
    case omit
    /// Keep the frame with `null`.
    case null
}

/// Request limits; the defaults match the caller's deployment (at most 50 annotations a call).
public struct RequestLimits: Sendable {
    public var maxAnnotations = 50
    public var maxFrameDuration = 10_000
    public init() {}
}

/// A validated `POST /run` body: the annotation studio's tracker-function contract.
public struct TrackRequest: Sendable {
    public struct Annotation: Sendable, Equatable {
        public var id: String
        public var box: Box
    }

    public static let defaultFrameDuration = 60

    public var url: String
    /// Sorted by id, the order of the response.
    public var annotations: [Annotation]
    public var startFrame: Int
    public var frameDuration: Int
    /// The tracker asked for; nil leaves the choice to the service (`TrackerModels.defaultTracker`).
    public var tracker: TrackerKind?
    public var lostFrames: LostFrames
    /// Sent on every ranged read of the video.
    public var headers: [String: String]

    public init(url: String, annotations: [Annotation], startFrame: Int, frameDuration: Int = defaultFrameDuration,
                tracker: TrackerKind? = nil, lostFrames: LostFrames = .omit, headers: [String: String] = [:]) {
        self.url = url
        // By UTF-8 bytes: String's < is not a total order across canonically equivalent ids,
        // and the answer's key order must not depend on the process.
        self.annotations = annotations.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        self.startFrame = startFrame
        self.frameDuration = frameDuration
        self.tracker = tracker
        self.lostFrames = lostFrames
        self.headers = headers
    }

    /// Frames `startFrame ..< endFrame` are asked for.
    public var endFrame: Int { startFrame + frameDuration }

    /// The top-level fields a request may have; any other is refused (a typo such as
    /// `frame_duraton` would otherwise be ignored silently).
    public static let fields = ["item_stream_url", "bbs", "start_frame", "frame_duration", "tracker", "lost", "headers"]

    /// What a box is, for every message about one.
    public static let boxShape = #"two points [{"x": x1, "y": y1}, {"x": x2, "y": y2}], top-left then bottom-right, in pixels"#

    /// Decodes and checks a JSON body (strict RFC 8259). Every failure names the field at fault.
    public static func decode(_ body: some Collection<UInt8>, limits: RequestLimits = RequestLimits()) throws -> TrackRequest {
        let json: JSONValue
        do {
            json = try StrictJSON.parse(body)
        } catch {
            throw TrackingError(.badRequest, code: "malformed_json", "the body is not valid JSON \(error)")
        }
        return try WireRequest(json).validated(limits: limits)
    }
}

// MARK: - Wire format

/// The body's fields, type-checked; `validated` checks their values.
private struct WireRequest {
    var item_stream_url: String
    /// Annotation id and box value, in the order sent (duplicates refused).
    var bbs: [(id: String, value: JSONValue)]
    var start_frame: Double
    var frame_duration: Double?
    var tracker: String?
    var lost: String?
    var headers: [String: String]?

    init(_ json: JSONValue) throws {
        guard case .object(let members) = json else {
            throw TrackingError(.badRequest, code: "malformed_json", "the body must be a JSON object, got \(json.kindName)")
        }
        var seen: Set<String> = []
        for member in members {
            guard TrackRequest.fields.contains(member.key) else {
                let near = Self.closest(to: member.key, in: TrackRequest.fields).map { " (did you mean \"\($0)\"?)" } ?? ""
                // A member named "" has no name to blame: the body is at fault (field left out).
                throw TrackingError(.badRequest, code: "unknown_field",
                                    "unknown field \(ContractJSON.string(member.key))\(near); the accepted fields are "
                                        + TrackRequest.fields.joined(separator: ", "),
                                    field: member.key.isEmpty ? nil : member.key)
            }
            guard seen.insert(member.key).inserted else {
                throw TrackingError.invalid(member.key, "\(member.key) appears twice in the body")
            }
        }
        // null stands for "not given", as it did with the platform's earlier JSON decoding.
        func given(_ name: String) -> JSONValue? {
            guard let value = json[name], value != .null else { return nil }
            return value
        }
        func required(_ name: String) throws -> JSONValue {
            guard let value = given(name) else { throw TrackingError.invalid(name, "\(name) is required") }
            return value
        }
        func string(_ name: String, _ value: JSONValue) throws -> String {
            guard let text = value.string else {
                throw TrackingError.invalid(name, "\(name) must be a string, got \(value.kindName) \(value.quoted())")
            }
            return text
        }
        func number(_ name: String, _ value: JSONValue) throws -> Double {
            guard let number = value.number else {
                throw TrackingError.invalid(name, "\(name) must be a number, got \(value.kindName) \(value.quoted())")
            }
            return number
        }

        item_stream_url = try string("item_stream_url", try required("item_stream_url"))
        let boxes = try required("bbs")
        guard case .object(let annotations) = boxes else {
            throw TrackingError.invalid("bbs", "bbs must be an object of annotation id to box, each box \(TrackRequest.boxShape); got \(boxes.kindName) \(boxes.quoted())")
        }
        var ids: Set<String> = []
        for annotation in annotations where !ids.insert(annotation.key).inserted {
            throw TrackingError.invalid("bbs.\(annotation.key)", "bbs.\(annotation.key) appears twice in bbs")
        }
        bbs = annotations.map { ($0.key, $0.value) }
        start_frame = try number("start_frame", try required("start_frame"))
        frame_duration = try given("frame_duration").map { try number("frame_duration", $0) }
        tracker = try given("tracker").map { try string("tracker", $0) }
        lost = try given("lost").map { try string("lost", $0) }
        headers = try given("headers").map { value in
            guard case .object(let fields) = value else {
                throw TrackingError.invalid("headers", "headers must be an object of header name to string value, got \(value.kindName) \(value.quoted())")
            }
            var headers: [String: String] = [:]
            for field in fields {
                headers[field.key] = try string("headers.\(field.key)", field.value)
            }
            return headers
        }
    }

    /// The accepted name within two edits of a typo, if one is.
    private static func closest(to name: String, in names: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, left) in a.enumerated() {
                var current = [i + 1]
                for (j, right) in b.enumerated() {
                    current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1)))
                }
                previous = current
            }
            return previous[b.count]
        }
        let typed = Array(name.lowercased())
        return names.map { ($0, distance(typed, Array($0))) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    func validated(limits: RequestLimits) throws -> TrackRequest {
        let url = item_stream_url.trimmed()
        guard !url.isEmpty else { throw TrackingError.invalid("item_stream_url", "item_stream_url is empty") }

        guard start_frame >= 0, start_frame == start_frame.rounded(), start_frame < 1e9 else {
            throw TrackingError.unprocessable("start_frame", code: "invalid_start_frame",
                                              "start_frame must be a whole number >= 0, got \(start_frame)")
        }
        let duration = frame_duration ?? Double(TrackRequest.defaultFrameDuration)
        guard duration == duration.rounded(), duration >= 1, duration <= Double(limits.maxFrameDuration) else {
            throw TrackingError.unprocessable("frame_duration", code: "invalid_frame_duration",
                                              "frame_duration must be a whole number from 1 to \(limits.maxFrameDuration), got \(duration)")
        }

        var kind: TrackerKind?
        if let tracker {
            guard let known = TrackerKind(rawValue: tracker.lowercased()) else {
                throw TrackingError.invalid("tracker", "tracker must be one of "
                    + TrackerKind.allCases.map(\.rawValue).joined(separator: ", ") + ", got \"\(tracker)\"")
            }
            kind = known
        }

        let lostFrames: LostFrames
        if let lost {
            guard let known = LostFrames(rawValue: lost) else {
                throw TrackingError.invalid("lost", "lost must be \"omit\" (leave lost frames out) or \"null\", got \"\(lost)\"")
            }
            lostFrames = known
        } else {
            lostFrames = .omit
        }

        guard !bbs.isEmpty else { throw TrackingError.unprocessable("bbs", code: "no_annotations", "bbs has no annotation") }
        guard bbs.count <= limits.maxAnnotations else {
            throw TrackingError(.tooLarge, code: "too_many_annotations",
                                "bbs has \(bbs.count) annotations; at most \(limits.maxAnnotations) are tracked in one call",
                                field: "bbs")
        }
        let annotations = try bbs.map { id, value -> TrackRequest.Annotation in
            let field = "bbs.\(id)"
            let box = try BoxReading.box(from: value, field: field)
            guard box.width > 0, box.height > 0 else {
                throw TrackingError.unprocessable(field, code: "empty_box",
                    "\(field) is empty: the second point must be right of and below the first (got \(value.quoted()))")
            }
            return TrackRequest.Annotation(id: id, box: box)
        }

        for (name, value) in headers ?? [:] {
            let isToken = !name.isEmpty && name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
            // Bytes, not Characters: "\r\n" is one Character equal to neither "\r" nor "\n".
            guard isToken, !value.utf8.contains(where: { $0 == 10 || $0 == 13 }) else {
                throw TrackingError.invalid("headers.\(name)", "header names must be plain tokens and values one line")
            }
        }

        return TrackRequest(url: url, annotations: annotations, startFrame: Int(start_frame),
                            frameDuration: Int(duration), tracker: kind, lostFrames: lostFrames,
                            headers: headers ?? [:])
    }
}

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

    /// Decodes and checks a JSON body. Every failure names the field at fault.
    public static func decode(_ body: some Collection<UInt8>, limits: RequestLimits = RequestLimits()) throws -> TrackRequest {
        let wire: WireRequest
        do {
            wire = try JSONDecoder().decode(WireRequest.self, from: Data(body))
        } catch let error as DecodingError {
            throw Self.describe(error)
        }
        return try wire.validated(limits: limits)
    }

    private static func describe(_ error: DecodingError) -> TrackingError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce("") { path, key in
                if let index = key.intValue { return "\(path)[\(index)]" }
                return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalid(field, "\(field) is required")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            if context.codingPath.isEmpty {
                return TrackingError(.badRequest, code: "malformed_json", "the body must be a JSON object")
            }
            let field = path(context.codingPath)
            return .invalid(field, "\(field) must be \(Self.name(of: type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return TrackingError(.badRequest, code: "malformed_json", "the body is not valid JSON")
            }
            let field = path(context.codingPath)
            return .invalid(field, "\(field): \(context.debugDescription)")
        @unknown default:
            return TrackingError(.badRequest, code: "malformed_json", "the body could not be read")
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int.Type: "a number"
        case is String.Type: "a string"
        case is [WirePoint].Type: "a list of two points"
        case is [String: [WirePoint]].Type: "an object of annotation id to box"
        case is [String: String].Type: "an object of strings"
        default: "of another type"
        }
    }
}

// MARK: - Wire format

struct WirePoint: Decodable {
    var x: Double
    var y: Double
}

private struct WireRequest: Decodable {
    var item_stream_url: String
    var bbs: [String: [WirePoint]]
    var start_frame: Double
    var frame_duration: Double?
    var tracker: String?
    var lost: String?
    var headers: [String: String]?

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
        let annotations = try bbs.map { id, points -> TrackRequest.Annotation in
            let field = "bbs.\(id)"
            guard points.count == 2 else {
                throw TrackingError.invalid(field, "\(field) must be two points, top-left and bottom-right; got \(points.count)")
            }
            let box = Box(left: points[0].x, top: points[0].y, right: points[1].x, bottom: points[1].y)
            guard [box.left, box.top, box.right, box.bottom].allSatisfy(\.isFinite) else {
                throw TrackingError.invalid(field, "\(field) has a coordinate that is not a finite number")
            }
            guard box.width > 0, box.height > 0 else {
                throw TrackingError.unprocessable(field, code: "empty_box",
                    "\(field) is empty: the second point must be right of and below the first (got \(box))")
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

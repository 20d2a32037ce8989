import Foundation
import VideoTracker

/// `POST /cameras` and `PATCH /cameras/{id}` bodies, checked: every refusal is a 400 naming the
/// field, why, and what is expected.
struct CameraRequest: Equatable {
    /// The stream schemes libavformat reads for us; a file path is not taken over HTTP.
    static let schemes = ["http", "https", "rtsp", "rtsps", "rtmp", "tcp", "udp", "srt"]
    static let createFields = ["name", "url", "classes", "fps", "every"]
    static let patchFields = ["name", "paused"]
    static let maxNameLength = 200
    /// Processing more than this a second gains analytics nothing and starves the other cameras.
    static let maxFramesPerSecond = 60.0
    /// A camera with a stream and no `fps` is sampled at this (the bench's unit: cameras at 7 fps).
    static let defaultFramesPerSecond = 7.0

    var name: String
    var url: String?
    var classes: [String]
    var fps: Double?
    var every: Int

    /// The body of `POST /cameras`.
    static func create(_ body: some Collection<UInt8>) throws -> CameraRequest {
        let json = try CameraJSON(body, fields: createFields)
        let name = try json.string("name") ?? { throw TrackingError.field("name", "name is required: a label for the camera") }()
        try checkName(name)
        let url = try json.string("url")
        if let url { try checkURL(url) }
        let classes = try json.strings("classes") ?? ["person"]
        guard !classes.isEmpty, classes.allSatisfy({ !$0.isEmpty }) else {
            throw TrackingError.field("classes", "classes must name at least one detector class, such as [\"person\"]")
        }
        let fps = try json.number("fps")
        if let fps, !(fps > 0 && fps <= maxFramesPerSecond) {
            throw TrackingError.field("fps", "fps (frames processed a second) must be above 0 and at most "
                                      + "\(Int(maxFramesPerSecond)); got \(fps)")
        }
        let every = try json.integer("every") ?? 1
        guard every >= 1 else {
            throw TrackingError.field("every", "every (detect on every n-th processed frame) must be at least 1; got \(every)")
        }
        return CameraRequest(name: name, url: url, classes: classes,
                             fps: fps ?? (url == nil ? nil : defaultFramesPerSecond), every: every)
    }

    /// What `PATCH /cameras/{id}` may change: the name, and pausing.
    struct Patch: Equatable {
        var name: String?
        var paused: Bool?
    }

    static func patch(_ body: some Collection<UInt8>) throws -> Patch {
        let json = try CameraJSON(body, fields: patchFields, unknownHint: " (a camera's url, classes and fps are fixed: "
                                  + "delete it and create another)")
        let name = try json.string("name")
        if let name { try checkName(name) }
        let paused = try json.bool("paused")
        guard name != nil || paused != nil else {
            throw TrackingError(.badRequest, code: "invalid_field", "the body changes nothing: give name or paused")
        }
        return Patch(name: name, paused: paused)
    }

    private static func checkName(_ name: String) throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, name.count <= maxNameLength else {
            throw TrackingError.field("name", "name must be 1 to \(maxNameLength) characters, not only spaces")
        }
    }

    private static func checkURL(_ url: String) throws {
        guard let scheme = url.range(of: "://").map({ url[..<$0.lowerBound].lowercased() }), schemes.contains(scheme),
              url.count > scheme.count + 3 else {
            throw TrackingError.field("url", "url must be a stream URL (\(schemes.joined(separator: ", "))), "
                                      + "such as rtsp://camera.local/stream or https://example.com/live.m3u8; got \(url)")
        }
    }
}

/// An ISO 8601 time parameter (`from`, `to`, `start_time`): with or without fractional seconds,
/// `Z` or an offset.
enum TimeParameter {
    /// An ISO 8601 time as microseconds since 1970, exactly: a record's time as the API writes it
    /// (`2026-11-21T08:00:00.033333Z`) reads back as itself. Foundation's parser keeps only the
    /// milliseconds of a fraction, so the fraction (1 to 9 digits, rounded to the microsecond) is
    /// read here and the rest by it.
    static func microseconds(_ text: String, field: String) throws -> Int64 {
        let invalid = TrackingError.field(field, "\(field) must be an ISO 8601 time such as 2026-11-21T08:00:00Z "
                                          + "or 2026-11-21T08:00:00.033333+05:30; got \(text)")
        var whole = text
        var fraction: Int64 = 0
        if let clock = text.firstIndex(of: "T"), let dot = text[clock...].firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard (1...9).contains(digits.count), let nanoseconds = Int64(digits + String(repeating: "0", count: 9 - digits.count))
            else { throw invalid }
            fraction = (nanoseconds + 500) / 1000
            whole = String(text[..<dot] + text[digits.endIndex...])
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: whole) else { throw invalid }
        return Int64(date.timeIntervalSince1970.rounded()) * 1_000_000 + fraction
    }

    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// A JSON object body read strictly: unknown and repeated members refused, null as "not given".
struct CameraJSON {
    let json: JSONValue

    init(_ body: some Collection<UInt8>, fields: [String], unknownHint: String = "") throws {
        do {
            json = try StrictJSON.parse(body)
        } catch {
            throw TrackingError(.badRequest, code: "malformed_json", "the body is not valid JSON \(error)")
        }
        guard case .object(let members) = json else {
            throw TrackingError(.badRequest, code: "malformed_json", "the body must be a JSON object, got \(json.kindName)")
        }
        var seen: Set<String> = []
        for member in members {
            guard fields.contains(member.key) else {
                throw TrackingError(.badRequest, code: "unknown_field",
                                    "unknown field \(ContractJSON.string(member.key))\(unknownHint); the accepted fields are "
                                    + fields.joined(separator: ", "), field: member.key.isEmpty ? nil : member.key)
            }
            guard seen.insert(member.key).inserted else {
                throw TrackingError.field(member.key, "\(member.key) appears twice in the body")
            }
        }
    }

    private func given(_ name: String) -> JSONValue? {
        guard let value = json[name], value != .null else { return nil }
        return value
    }

    func string(_ name: String) throws -> String? {
        guard let value = given(name) else { return nil }
        guard let text = value.string else {
            throw TrackingError.field(name, "\(name) must be a string, got \(value.kindName) \(value.quoted())")
        }
        return text
    }

    func number(_ name: String) throws -> Double? {
        guard let value = given(name) else { return nil }
        guard let number = value.number, number.isFinite else {
            throw TrackingError.field(name, "\(name) must be a number, got \(value.kindName) \(value.quoted())")
        }
        return number
    }

    func integer(_ name: String) throws -> Int? {
        guard let number = try number(name) else { return nil }
        guard number.rounded() == number, abs(number) < 1e9 else {
            throw TrackingError.field(name, "\(name) must be a whole number, got \(json[name]!.quoted())")
        }
        return Int(number)
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = given(name) else { return nil }
        guard case .bool(let flag) = value else {
            throw TrackingError.field(name, "\(name) must be true or false, got \(value.kindName) \(value.quoted())")
        }
        return flag
    }

    func strings(_ name: String) throws -> [String]? {
        guard let value = given(name) else { return nil }
        guard case .array(let elements) = value, let texts = Optional(elements.compactMap(\.string)),
              texts.count == elements.count else {
            throw TrackingError.field(name, "\(name) must be a list of strings such as [\"person\", \"car\"], "
                                      + "got \(value.kindName) \(value.quoted())")
        }
        return texts
    }
}

extension TrackingError {
    /// A 400 naming the request field at fault.
    static func field(_ name: String, _ message: String) -> TrackingError {
        TrackingError(.badRequest, code: "invalid_field", message, field: name)
    }
}

/// The one error currency of the tracker: every failure, from a malformed box to a 404 upstream,
/// is a `TrackingError` with a stable `code`, a sentence for people and, when one is at fault,
/// the request field. The HTTP layer maps `kind` to a status; the CLI prints the same JSON.
public struct TrackingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case badRequest          // malformed JSON, wrong types, missing fields
        case tooLarge            // body or annotation count over the limit
        case unprocessable       // well-formed but impossible: empty box, start past the end
        case notFound            // no such route
        case methodNotAllowed    // a route that takes another method
        case unauthorized        // token required and missing
        case forbidden           // destination refused
        case upstream            // the video server failed us or sent something that is not a video
        case overloaded          // over capacity; try again
        case deadline            // nothing could be tracked before the deadline
        case internalFailure     // our bug or a library failure
    }

    public var kind: Kind
    public var code: String
    public var message: String
    public var field: String?

    public init(_ kind: Kind, code: String, _ message: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String {
        field.map { "\(code) (\($0)): \(message)" } ?? "\(code): \(message)"
    }

    static func invalid(_ field: String, _ message: String) -> TrackingError {
        TrackingError(.badRequest, code: "invalid_field", message, field: field)
    }

    static func unprocessable(_ field: String, code: String, _ message: String) -> TrackingError {
        TrackingError(.unprocessable, code: code, message, field: field)
    }

    static func upstream(_ message: String, code: String = "upstream_failed") -> TrackingError {
        TrackingError(.upstream, code: code, message, field: "item_stream_url")
    }
}

extension String {
    /// Text from a NUL-terminated C buffer filled in by a C call.
    init(cText buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

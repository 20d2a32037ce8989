/// A JSON value as it was sent: numbers keep their text, objects their member order, so an
/// error can quote back exactly what it received.
public indirect enum JSONValue: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
    }

    case null
    case bool(Bool)
    /// The number's text as sent (valid RFC 8259 number syntax).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// The number's value; nil for anything else (a number too large for a Double is infinite).
    public var number: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The first member named `key`, when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// Compact JSON text of the value, as it was sent (whitespace aside).
    public var compactText: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let text): text
        case .string(let text): ContractJSON.string(text)
        case .array(let elements): "[" + elements.map(\.compactText).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.map { ContractJSON.string($0.key) + ":" + $0.value.compactText }.joined(separator: ",") + "}"
        }
    }

    /// `compactText`, cut to about `limit` characters for an error message.
    public func quoted(limit: Int = 120) -> String {
        let text = compactText
        return text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    /// What kind of JSON value this is, for messages ("a string", "an object").
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

/// A strict RFC 8259 reader. Foundation's JSON reader accepts a trailing comma (and, depending on
/// the platform, more); a request is either JSON or refused, with the byte offset where it stops
/// being JSON and what was expected there. One leading UTF-8 byte order mark is skipped, as the
/// RFC allows.
public struct StrictJSON {
    /// Deeper nesting is refused rather than risking the stack (no request needs more than 4).
    public static let maxDepth = 64

    /// Where and why a text is not JSON.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Bytes from the start of the text, 0-based.
        public var offset: Int
        public var reason: String
        public var description: String { "at byte \(offset): \(reason)" }
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> JSONValue {
        var reader = StrictJSON(bytes: Array(bytes))
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.position = 3 }
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        if reader.position < reader.bytes.count {
            throw reader.error("expected the end of the text after the top-level value, found \(reader.found)")
        }
        return value
    }

    private let bytes: [UInt8]
    private var position = 0

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Grammar

    private mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        guard let byte = peek else { throw error("expected a value, found the end of the text") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: throw error("expected a value (object, list, string, number, true, false or null), found \(found)")
        }
    }

    private mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
        position += 1
        var members: [JSONValue.Member] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else {
                if !members.isEmpty, peek == UInt8(ascii: "}") {
                    throw error("expected a member name after ',', found '}': a trailing comma is not allowed in JSON")
                }
                throw error("expected a member name in double quotes, found \(found)")
            }
            let key = try string()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after the member name, found \(found)") }
            position += 1
            skipWhitespace()
            members.append(JSONValue.Member(key: key, value: try value(depth: depth + 1)))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw error("expected ',' or '}' after an object member, found \(found)")
            }
        }
    }

    private mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if !elements.isEmpty, peek == UInt8(ascii: "]") {
                throw error("expected a value after ',', found ']': a trailing comma is not allowed in JSON")
            }
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' after a list element, found \(found)")
            }
        }
    }

    private mutating func string() throws(SyntaxError) -> String {
        let opening = position
        position += 1
        var scalars = String.UnicodeScalarView()
        var plainStart = position
        func flushPlain(upTo end: Int) throws(SyntaxError) {
            guard plainStart < end else { return }
            // Validated UTF-8, or an error at the first bad byte.
            var iterator = bytes[plainStart..<end].makeIterator()
            var decoder = UTF8()
            var offset = plainStart
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar):
                    scalars.append(scalar)
                    offset += UTF8.width(scalar)
                case .emptyInput:
                    return
                case .error:
                    throw SyntaxError(offset: offset, reason: "the text is not valid UTF-8 here")
                }
            }
        }
        while true {
            guard let byte = peek else {
                throw SyntaxError(offset: opening, reason: "the string starting here has no closing '\"'")
            }
            switch byte {
            case UInt8(ascii: "\""):
                try flushPlain(upTo: position)
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flushPlain(upTo: position)
                scalars.append(try escape())
                plainStart = position
            case 0..<0x20:
                throw error("a control character (0x\(String(byte, radix: 16))) inside a string must be escaped")
            default:
                position += 1
            }
        }
    }

    /// One escape sequence, the backslash at `position`.
    private mutating func escape() throws(SyntaxError) -> Unicode.Scalar {
        let start = position
        position += 1
        guard let letter = peek else { throw error("expected an escape after '\\', found the end of the text") }
        position += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high) {
                guard bytes[position...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                    throw SyntaxError(offset: start, reason: "\\u\(String(high, radix: 16)) is half a surrogate pair; the other half must follow")
                }
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw SyntaxError(offset: start, reason: "\\u\(String(high, radix: 16)) must be followed by a low surrogate, not \\u\(String(low, radix: 16))")
                }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(high) else {
                throw SyntaxError(offset: start, reason: "\\u\(String(high, radix: 16)) is a lone low surrogate")
            }
            return scalar
        default:
            position = start
            throw error("'\\\(Character(Unicode.Scalar(letter)))' is not a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
        }
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek, let digit = Self.hexValue(byte) else {
                throw error("expected four hex digits after \\u, found \(found)")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as its text.
    private mutating func number() throws(SyntaxError) -> String {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, Self.isDigit(first) else { throw error("expected a digit after '-', found \(found)") }
        position += 1
        if first == UInt8(ascii: "0"), let next = peek, Self.isDigit(next) {
            throw error("a number must not start with 0 followed by more digits")
        }
        skipDigits()
        if peek == UInt8(ascii: ".") {
            position += 1
            guard let digit = peek, Self.isDigit(digit) else { throw error("expected a digit after the decimal point, found \(found)") }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek, Self.isDigit(digit) else { throw error("expected a digit in the exponent, found \(found)") }
            skipDigits()
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func literal(_ word: String) throws(SyntaxError) {
        let expected = Array(word.utf8)
        guard bytes[position...].starts(with: expected) else { throw error("expected a value, found \(found)") }
        position += expected.count
    }

    // MARK: - Bytes

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = peek, Self.isDigit(byte) { position += 1 }
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    /// What is at `position`, for a message, with a hint for the usual non-JSON habits.
    private var found: String {
        guard let byte = peek else { return "the end of the text" }
        switch byte {
        case UInt8(ascii: "/"): return "'/': comments are not allowed in JSON"
        case UInt8(ascii: "'"): return "'\\'': strings and names take double quotes in JSON, not single quotes"
        case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        default: return "the byte 0x\(String(byte, radix: 16))"
        }
    }

    private func error(_ reason: String) -> SyntaxError { SyntaxError(offset: position, reason: reason) }
}

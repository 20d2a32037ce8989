/// Writes the contract's JSON by hand: frame keys in numeric order ("9" before "10"), integers
/// without a fraction, and no intermediate dictionaries for thousands of frames.
public enum ContractJSON {
    /// `{annotation_id: {"<frame>": [{"x":..,"y":..},{"x":..,"y":..}]}}`.
    public static func result(ids: [String], updates: [FrameUpdate], lost: LostFrames) -> String {
        var out = "{"
        for (index, id) in ids.enumerated() {
            if index > 0 { out += "," }
            out += string(id) + ":{"
            var first = true
            for update in updates {
                let box = update.boxes[index]
                if box == nil && lost == .omit { continue }
                if !first { out += "," }
                first = false
                out += "\"\(update.frame)\":" + boxJSON(box)
            }
            out += "}"
        }
        return out + "}"
    }

    /// One NDJSON line: `{"frame": n, "boxes": {id: box-or-null}, "progress": p}`.
    public static func frameLine(ids: [String], update: FrameUpdate) -> String {
        var out = "{\"frame\":\(update.frame),\"boxes\":{"
        for (index, id) in ids.enumerated() {
            if index > 0 { out += "," }
            out += string(id) + ":" + boxJSON(update.boxes[index])
        }
        return out + "},\"progress\":\(number((update.progress * 10_000).rounded() / 10_000))}"
    }

    /// The last NDJSON line: totals and whether the answer is partial.
    public static func summaryLine(ids: [String], summary: TrackingSummary) -> String {
        var lost = "{"
        for (index, id) in ids.enumerated() {
            if index > 0 { lost += "," }
            lost += string(id) + ":\(summary.lostFrames[index])"
        }
        lost += "}"
        var out = "{\"done\":true,\"partial\":\(summary.partial),\"stop_reason\":\(string(summary.stopReason.rawValue))"
        if let detail = summary.detail { out += ",\"detail\":" + string(detail) }
        out += ",\"frames_tracked\":\(summary.framesTracked),\"frames_requested\":\(summary.framesRequested)"
        out += ",\"lost_frames\":\(lost),\"seconds\":\(number((summary.seconds * 1000).rounded() / 1000))"
        out += ",\"video\":{\"width\":\(summary.videoWidth),\"height\":\(summary.videoHeight)"
        out += ",\"fps\":\(number((summary.framesPerSecond * 1000).rounded() / 1000))}}"
        return out
    }

    /// `{"error": {"code": .., "message": .., "field": ..}}`.
    public static func error(_ error: TrackingError) -> String {
        var out = "{\"error\":{\"code\":" + string(error.code) + ",\"message\":" + string(error.message)
        if let field = error.field { out += ",\"field\":" + string(field) }
        return out + "}}"
    }

    public static func boxJSON(_ box: Box?) -> String {
        guard let box else { return "null" }
        return "[{\"x\":\(number(box.left)),\"y\":\(number(box.top))},{\"x\":\(number(box.right)),\"y\":\(number(box.bottom))}]"
    }

    /// Whole numbers print without a fraction; others in the shortest form that reads back exactly.
    public static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.isFinite ? "\(value)" : "null"
    }

    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                out += escaped(control)
            // Invisible characters (a byte-order mark, zero-width spaces, line separators) are
            // written as escapes: a message quoting one then shows it, and Foundation's parser
            // drops a U+FEFF that follows an escape when it is written raw.
            case let invisible where [.format, .lineSeparator, .paragraphSeparator].contains(invisible.properties.generalCategory):
                out += escaped(invisible)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `\uXXXX`, as a surrogate pair above U+FFFF.
    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        String(scalar).utf16.map { unit in
            let hex = String(unit, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }.joined()
    }
}

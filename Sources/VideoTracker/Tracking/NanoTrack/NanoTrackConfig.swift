import Foundation

/// NanoTrack's tracking constants, read from the author's `config.yaml` beside the model
/// (`TRACK:` and `POINT:`), so a retrained model brings its own.
struct NanoTrackConfig: Sendable, Equatable {
    var windowInfluence: Double
    var penaltyK: Double
    /// How fast the box size follows the new estimate (`LR`).
    var learningRate: Double
    var exemplarSize: Int
    var instanceSize: Int
    var contextAmount: Double
    var stride: Int

    /// Reads the few keys it needs from the YAML text: top-level sections with `KEY: value` lines
    /// under them is all this file uses, so no YAML library is needed.
    static func parse(_ text: String, file: String) throws -> NanoTrackConfig {
        var sections: [String: [String: String]] = [:]
        var section = ""
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.prefix { $0 != "#" }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            if line.first?.isWhitespace == false {
                section = key
            } else if !key.isEmpty {
                sections[section, default: [:]][key] = sections[section]?[key] ?? value
            }
        }
        func number(_ section: String, _ key: String, default fallback: Double? = nil) throws -> Double {
            if let text = sections[section]?[key], let value = Double(text) { return value }
            if let fallback { return fallback }
            throw TrackingError(.internalFailure, code: "model_config_invalid",
                                "\(file) has no number at \(section).\(key)")
        }
        return NanoTrackConfig(
            windowInfluence: try number("TRACK", "WINDOW_INFLUENCE"),
            penaltyK: try number("TRACK", "PENALTY_K"),
            learningRate: try number("TRACK", "LR"),
            exemplarSize: Int(try number("TRACK", "EXEMPLAR_SIZE", default: 127)),
            instanceSize: Int(try number("TRACK", "INSTANCE_SIZE", default: 255)),
            contextAmount: try number("TRACK", "CONTEXT_AMOUNT", default: 0.5),
            stride: Int(try number("POINT", "STRIDE", default: 16)))
    }
}

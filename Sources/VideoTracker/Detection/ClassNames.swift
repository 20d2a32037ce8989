import Foundation

/// The detector's class names by class id, read from the `coco.names` beside its model (one name a
/// line, in the model's output order), and the mapping of names a caller asks for to ids.
public struct ClassNames: Sendable, Equatable {
    public let names: [String]

    public init(_ names: [String]) {
        self.names = names
    }

    /// Reads a names file: one name a line; blank lines and surrounding spaces are dropped.
    public init(contentsOfFile path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TrackingError(.unprocessable, code: "detector_unavailable", "cannot read the class names file \(path)")
        }
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw TrackingError(.unprocessable, code: "detector_unavailable", "the class names file \(path) is empty")
        }
        self.init(names)
    }

    public var count: Int { names.count }

    public subscript(id: Int) -> String { names[id] }

    /// The ids of `wanted` (matched without regard to case), in the order given, duplicates once.
    /// An unknown name is a 400 for `field` that names it and the nearest valid names.
    public func ids(of wanted: [String], field: String = "classes") throws -> [Int] {
        var ids: [Int] = []
        for name in wanted {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard let id = names.firstIndex(where: { $0.lowercased() == key }) else {
                let nearest = nearestNames(to: key).map { "\"\($0)\"" }.joined(separator: ", ")
                throw TrackingError.invalid(field, "\(field): the detector has no class \"\(name)\"; the nearest of its "
                                            + "\(names.count) are \(nearest)")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// Up to three names closest to `text` by edit distance (a name containing it counts as close).
    func nearestNames(to text: String) -> [String] {
        let ranked = names.enumerated().map { index, name -> (distance: Int, index: Int) in
            let lower = name.lowercased()
            let distance = !text.isEmpty && lower.contains(text) ? 0 : editDistance(Array(text), Array(lower))
            return (distance, index)
        }
        return ranked.sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(3).map { names[$0.index] }
    }
}

/// Levenshtein distance: insertions, deletions and substitutions of one character each cost 1.
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, y) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

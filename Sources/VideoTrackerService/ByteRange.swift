import Foundation

/// A `Range: bytes=...` header against a file of `size` bytes (RFC 9110 §14): one range is
/// served as 206; several, or another unit, are ignored (the whole file, 200), as the RFC allows;
/// a range that is malformed or starts past the end is unsatisfiable (416).
enum ByteRange: Equatable {
    case whole
    case part(ClosedRange<Int>)
    case unsatisfiable

    init(header: String?, size: Int) {
        guard let header else { self = .whole; return }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { self = .whole; return }
        let spec = trimmed.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { self = .whole; return }
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard bounds.count == 2, bounds.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }) else {
            self = .unsatisfiable
            return
        }
        switch (Int(bounds[0]), Int(bounds[1])) {
        case (let first?, let last):
            // `first-` runs to the end; a last byte past the end is cut to it.
            guard first < size, last.map({ $0 >= first }) ?? true else { self = .unsatisfiable; return }
            self = .part(first...min(last ?? size - 1, size - 1))
        case (nil, let suffix?):
            // `-n`: the last n bytes.
            guard suffix > 0, size > 0 else { self = .unsatisfiable; return }
            self = .part(max(0, size - suffix)...(size - 1))
        case (nil, nil):
            self = .unsatisfiable
        }
    }
}

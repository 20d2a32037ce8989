import Foundation
import SQLKit

/// Clock hours in a time zone, as SQL: the start (µs since 1970) of the local hour an instant
/// falls in is ((t + offset) / 1 h) * 1 h - offset, offset the zone's distance from UTC at t.
/// That offset is constant between the zone's transitions (summer time, changes of law), so it is
/// a CASE over the transitions in the records' span; whole-hour offsets and the others alike
/// (Asia/Kolkata +05:30, Asia/Kathmandu +05:45: their hours start at :30 and :15 UTC). Integer
/// division truncates: times are taken to be after 1970.
public struct ClockHours: Sendable {
    public let timeZone: TimeZone
    static let hour: Int64 = 3_600_000_000

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    public static let utc = ClockHours(timeZone: TimeZone(identifier: "UTC")!)

    /// A zone that never changes its offset (UTC, fixed offsets): no span needed.
    var isFixed: Bool { timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) == nil }

    /// The offsets (µs) in force over `span`: the first from the beginning, each next from its
    /// transition (µs). Bounded, in case of a span of centuries.
    func offsets(over span: ClosedRange<Int64>?) -> [(since: Int64, offset: Int64)] {
        let start = Date(timeIntervalSince1970: Double(span?.lowerBound ?? 0) / 1e6)
        var offsets: [(since: Int64, offset: Int64)] = [(Int64.min, Int64(timeZone.secondsFromGMT(for: start)) * 1_000_000)]
        guard let span else { return offsets }
        var moment = start
        while offsets.count < 10_000, let next = timeZone.nextDaylightSavingTimeTransition(after: moment) {
            let since = Int64((next.timeIntervalSince1970 * 1e6).rounded())
            if since > span.upperBound { break }
            offsets.append((since, Int64(timeZone.secondsFromGMT(for: next)) * 1_000_000))
            moment = next
        }
        return offsets
    }

    func startExpression(of column: String, over span: ClosedRange<Int64>?) -> SQLQueryString {
        let offsets = offsets(over: span)
        var offset: SQLQueryString
        if offsets.count == 1 {
            offset = "\(bind: offsets[0].offset)"
        } else {
            offset = "CASE"
            for (index, entry) in offsets.enumerated().reversed() where index > 0 {
                offset = offset + " WHEN \(unsafeRaw: column) >= \(bind: entry.since) THEN \(bind: entry.offset)"
            }
            offset = offset + " ELSE \(bind: offsets[0].offset) END"
        }
        return "((\(unsafeRaw: column) + \(offset)) / \(bind: Self.hour)) * \(bind: Self.hour) - (\(offset))"
    }

    /// An hour's start as ISO 8601 in the zone's offset of that hour: `2026-11-21T08:00:00Z` in UTC,
    /// `2026-11-21T14:00:00+05:30` in Asia/Kolkata. The offset is the one that makes the start a
    /// whole local hour: where a zone moves by half an hour (Australia/Lord_Howe), the hour after
    /// the change can start before it (01:00 +10:30 is 14:30Z, the change at 15:00Z).
    public func text(hourStart: Int64) -> String {
        let seconds = hourStart / 1_000_000
        let start = Date(timeIntervalSince1970: Double(seconds))
        let candidates = [timeZone.secondsFromGMT(for: start), timeZone.secondsFromGMT(for: start.addingTimeInterval(3599))]
        let offset = candidates.first { ((seconds + Int64($0)) % 3600 + 3600) % 3600 == 0 } ?? candidates[0]
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: offset)
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: start)
    }
}

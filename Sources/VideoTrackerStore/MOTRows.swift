/// MOT Challenge text (`frame,id,x,y,w,h,conf,x,y,z` a line, frame 1-based) to track records and
/// back, for a camera's imports and exports. MOT frame f is captured at
/// start + round((f - 1) * 1e6 / fps) µs and is the camera's frame round(start_s * fps) + f - 1.
/// Numbers are written in Swift's shortest form that reads back to the same Double (integers
/// without a decimal point), so a normal MOT file (10 columns ending `-1,-1,-1`) exported after
/// its import is the same bytes, less its rows of confidence 0.
public struct MOTRows: Sendable {
    public let cameraID: String
    /// Capture time of MOT frame 1, microseconds since 1970.
    public let startMicroseconds: Int64
    /// The camera's frame rate, which MOT frame numbers count in.
    public let fps: Double

    public init(cameraID: String, startMicroseconds: Int64, fps: Double) {
        self.cameraID = cameraID
        self.startMicroseconds = startMicroseconds
        self.fps = fps
    }

    /// The camera's frame index of MOT frame 1.
    public var firstFrame: Int64 { Int64((Double(startMicroseconds) / 1e6 * fps).rounded()) }

    /// The records of a whole text, in its order (rows of confidence 0 skipped).
    public func records(text: String) throws(MOTFormatError) -> [TrackRecord] {
        var records: [TrackRecord] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if let record = try record(line: line, number: number) { records.append(record) }
        }
        return records
    }

    /// One line's record: nil for a blank line or a row of confidence 0 (MOT's "ignore").
    /// `number` (1-based) names the line in the error a malformed row throws.
    public func record(line: Substring, number: Int) throws(MOTFormatError) -> TrackRecord? {
        let text = line.hasSuffix("\r") ? line.dropLast() : line
        if text.allSatisfy(\.isWhitespace) { return nil }
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingPrefix(while: \.isWhitespace) }
            .map { String($0.reversed().drop(while: \.isWhitespace).reversed()) }
        guard fields.count >= 7 else {
            throw MOTFormatError(line: number, message: "\(fields.count) fields, a MOT row has at least 7 (frame,id,x,y,w,h,conf)")
        }
        func integer(_ index: Int, _ name: String) throws(MOTFormatError) -> Int64 {
            if let value = Int64(fields[index]) { return value }
            if let value = Double(fields[index]), value == value.rounded(), abs(value) < 9e15 { return Int64(value) }
            throw MOTFormatError(line: number, message: "\(name) \"\(fields[index])\" is not a whole number")
        }
        func decimal(_ index: Int, _ name: String) throws(MOTFormatError) -> Double {
            guard let value = Double(fields[index]), value.isFinite else {
                throw MOTFormatError(line: number, message: "\(name) \"\(fields[index])\" is not a finite number")
            }
            return value
        }
        let frame = try integer(0, "frame")
        guard frame >= 1 else { throw MOTFormatError(line: number, message: "frame \(frame): MOT frames start at 1") }
        let id = try integer(1, "id")
        let x = try decimal(2, "x"), y = try decimal(3, "y"), width = try decimal(4, "w"), height = try decimal(5, "h")
        let confidence = try decimal(6, "conf")
        if confidence == 0 { return nil }
        return TrackRecord(cameraID: cameraID, trackID: id,
                           timeMicroseconds: startMicroseconds + Int64((Double(frame - 1) * 1e6 / fps).rounded()),
                           frame: firstFrame + frame - 1, classID: 0,
                           x: x, y: y, width: width, height: height, score: confidence)
    }

    /// The MOT line of a record (no newline).
    public func line(for record: TrackRecord) -> String {
        let frame = record.frame - firstFrame + 1
        return "\(frame),\(record.trackID),\(Self.text(record.x)),\(Self.text(record.y)),\(Self.text(record.width)),"
            + "\(Self.text(record.height)),\(Self.text(record.score)),-1,-1,-1"
    }

    /// Shortest text that reads back as `value`; whole numbers without ".0", as MOT files write them.
    public static func text(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15, !(value == 0 && value.sign == .minus) {
            return String(Int64(value))
        }
        return "\(value)"
    }
}

/// A MOT text row that cannot be read: its line (1-based) and why. The API answers 400 with it.
public struct MOTFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    public let line: Int
    public let message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

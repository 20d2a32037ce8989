import Foundation
import Testing
@testable import VideoTrackerStore

/// MOT text to track records and back, through a real database of each kind.
@Suite("MOT rows (SQLite and PostgreSQL)")
struct MOTRowsTests {
    // A tracker's output as MOT Challenge writes it; the third line is an ignored row (conf 0).
    static let text = """
        1,1,912,484,97,109,0.875,-1,-1,-1
        1,2,1338.5,418.25,167.125,379,1,-1,-1,-1
        2,3,10,10,10,10,0,-1,-1,-1
        2,1,912.1,484.2,97.3,109.4,0.71234567890123,-1,-1,-1
        25,2,0.1,1e-05,123456.789,3.3333333333333335,0.5,-1,-1,-1
        26,1,-12.5,-0.75,50,60,2,-1,-1,-1
        """

    @Test("times and frames from MOT frame numbers at the camera's rate; conf-0 rows skipped")
    func parsing() throws {
        let rows = MOTRows(cameraID: "cam", startMicroseconds: 1_700_000_000_000_000, fps: 12.5)
        let records = try rows.records(text: Self.text)
        #expect(records.count == 5)
        #expect(records.map(\.timeMicroseconds) == [0, 0, 80_000, 1_920_000, 2_000_000].map { 1_700_000_000_000_000 + $0 })
        #expect(rows.firstFrame == 21_250_000_000)
        #expect(records.map(\.frame) == [0, 0, 1, 24, 25].map { 21_250_000_000 + $0 })
        #expect(records[1] == TrackRecord(cameraID: "cam", trackID: 2, timeMicroseconds: 1_700_000_000_000_000, frame: 21_250_000_000,
                                          classID: 0, x: 1338.5, y: 418.25, width: 167.125, height: 379, score: 1))
        // 29.97 fps: frame 1000 is round(999 / 29.97 s).
        let ntsc = MOTRows(cameraID: "cam", startMicroseconds: 0, fps: 29.97)
        #expect(try ntsc.record(line: "1000,1,1,1,1,1,1", number: 1)?.timeMicroseconds == 33_333_333)
    }

    @Test("a bad row is an error naming its 1-based line")
    func badRows() {
        let rows = MOTRows(cameraID: "cam", startMicroseconds: 0, fps: 25)
        #expect(throws: MOTFormatError(line: 3, message: "x \"abc\" is not a finite number")) {
            try rows.records(text: "1,1,1,1,1,1,1\n\n1,1,abc,1,1,1,1\n")
        }
        #expect(throws: MOTFormatError(line: 2, message: "4 fields, a MOT row has at least 7 (frame,id,x,y,w,h,conf)")) {
            try rows.records(text: "1,1,1,1,1,1,1\n1,2,3,4\n")
        }
        #expect(throws: MOTFormatError(line: 1, message: "frame 0: MOT frames start at 1")) {
            try rows.records(text: "0,1,1,1,1,1,1")
        }
        #expect(throws: MOTFormatError(line: 1, message: "id \"1.5\" is not a whole number")) {
            try rows.records(text: "1,1.5,1,1,1,1,1")
        }
    }

    @Test("import then export gives back the same bytes, less the conf-0 rows", arguments: [StoreDatabase.Kind.sqlite, .postgresql])
    func roundTrip(kind: StoreDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { (database) async throws in
            let store = TrackStore(database: database)
            let rows = MOTRows(cameraID: "cam", startMicroseconds: 1_700_000_000_123_456, fps: 30)
            let records = try rows.records(text: Self.text)
            let chunks = AsyncThrowingStream<[TrackRecord], any Error> { continuation in
                continuation.yield(records)
                continuation.finish()
            }
            #expect(try await store.importRecords(chunks) == 5)
            var lines: [String] = []
            for try await page in store.pages(camera: "cam", pageSize: 2) { lines += page.map(rows.line(for:)) }
            let expected = Self.text.split(separator: "\n").filter { !$0.hasPrefix("2,3,") }.map(String.init)
            // Exported in time then track order: frame 1's tracks 1 and 2 keep their order here.
            #expect(lines == expected)
        }
    }
}

import Testing
@testable import VideoTrackerService

/// The small parts of the jobs API that decide on their own: Range headers and the route table.
@Suite("Jobs API parts")
struct JobPartsTests {
    @Test("Range: one range served (open, closed, suffix, cut at the end); several or another unit: the whole file; malformed or past the end: 416")
    func byteRanges() {
        let size = 1000
        #expect(ByteRange(header: nil, size: size) == .whole)
        #expect(ByteRange(header: "bytes=0-99", size: size) == .part(0...99))
        #expect(ByteRange(header: "bytes=900-", size: size) == .part(900...999))
        #expect(ByteRange(header: "bytes=900-5000", size: size) == .part(900...999))
        #expect(ByteRange(header: "bytes=-100", size: size) == .part(900...999))
        #expect(ByteRange(header: "bytes=-5000", size: size) == .part(0...999))
        #expect(ByteRange(header: "bytes=0-0", size: size) == .part(0...0))
        #expect(ByteRange(header: "bytes=0-9,20-29", size: size) == .whole)
        #expect(ByteRange(header: "items=0-9", size: size) == .whole)
        for unsatisfiable in ["bytes=1000-", "bytes=1000-1001", "bytes=50-10", "bytes=-0", "bytes=-", "bytes=a-b",
                              "bytes=1-2-3", "bytes=99999999999999999999999-"] {
            #expect(ByteRange(header: unsatisfiable, size: size) == .unsatisfiable, "\(unsatisfiable)")
        }
        #expect(ByteRange(header: "bytes=0-", size: 0) == .unsatisfiable)
    }

    @Test("route templates match whole segments; ids are any one segment")
    func routeTable() {
        let routes = RouteTable(["/": [.get], "/jobs": [.get, .post], "/jobs/:id": [.get, .delete], "/jobs/:id/video": [.get]])
        #expect(routes.match("/")?.template == "/")
        #expect(routes.match("/jobs")?.template == "/jobs")
        #expect(routes.match("/jobs/abc")?.template == "/jobs/:id")
        #expect(routes.match("/jobs/abc/video")?.template == "/jobs/:id/video")
        #expect(routes.match("/jobs/abc/frames") == nil)
        #expect(routes.match("/jobsx") == nil)
        #expect(routes.match("/jobs/abc")?.methods == [.get, .delete])
    }
}

/// Random-access bytes of a video, read on demand: libavformat pulls from one of these through
/// `MediaInput`, so a video is streamed in ranges and never downloaded whole.
public protocol ByteSource: AnyObject {
    /// Total size in bytes, when the source knows it (after the first read for HTTP).
    var size: Int64? { get }
    /// Copies up to `buffer.count` bytes starting at `offset`; returns 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
    /// Bytes fetched from the origin so far (for metrics and the "never whole" tests).
    var bytesFetched: Int64 { get }
}

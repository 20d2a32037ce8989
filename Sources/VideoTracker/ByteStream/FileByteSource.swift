#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A local file, for the CLI's `--url ./video.mp4` and for tests that need no server.
public final class FileByteSource: ByteSource {
    private let descriptor: Int32
    public let size: Int64?
    public private(set) var bytesFetched: Int64 = 0

    public init(path: String) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TrackingError(.unprocessable, code: "file_unreadable",
                                "cannot open \(path): \(String(cString: strerror(errno)))",
                                field: "item_stream_url")
        }
        var info = stat()
        size = fstat(descriptor, &info) == 0 ? Int64(info.st_size) : nil
    }

    deinit { close(descriptor) }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 {
                bytesFetched += Int64(count)
                return count
            }
            if errno == EINTR { continue }
            throw TrackingError.upstream("reading the file failed: \(String(cString: strerror(errno)))")
        }
    }
}

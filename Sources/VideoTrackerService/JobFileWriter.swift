import Foundation
import NIOCore
import NIOPosix
import VideoTracker
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A new file written front to back with plain write(2), so a full disk is seen as such (ENOSPC)
/// and reported as `disk_full`, never as a generic failure. Blocking: `append` runs on the
/// caller's thread (a job's), `appendOffThread` on NIO's thread pool (a request's upload).
final class JobFileWriter: @unchecked Sendable {
    let path: String
    private var descriptor: Int32
    private(set) var bytesWritten: Int64 = 0

    init(creating path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure(errno, path: path, doing: "create") }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure(errno, path: path, doing: "write")
            }
            offset += written
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Appends a buffer from async code: the write(2) calls happen on NIO's thread pool.
    func appendOffThread(_ buffer: ByteBuffer) async throws {
        try await NIOThreadPool.singleton.runIfActive { [self] in
            try buffer.withUnsafeReadableBytes { try append($0) }
        }
    }

    /// Flushes to the disk and closes; a full disk can still show here (delayed allocation).
    func finish() throws {
        defer { close(descriptor); descriptor = -1 }
        if fsync(descriptor) != 0 && errno != EINVAL { throw Self.failure(errno, path: path, doing: "flush") }
    }

    func finishOffThread() async throws {
        try await NIOThreadPool.singleton.runIfActive { [self] in try finish() }
    }

    static func failure(_ code: Int32, path: String, doing action: String) -> TrackingError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT || code == EFBIG {
            return TrackingError(.internalFailure, code: "disk_full", "the data folder is full: could not \(action) \(fileName(path)) (\(reason))")
        }
        return TrackingError(.internalFailure, code: "file_write_failed", "could not \(action) \(fileName(path)): \(reason)")
    }

    private static func fileName(_ path: String) -> String {
        String(path.split(separator: "/").suffix(2).joined(separator: "/"))
    }
}

/// Writes a whole file under its `.partial` name, flushes it and renames it into place.
func writeWholeFile(_ data: some ContiguousBytes, to path: String) throws {
    let partial = path + ".partial"
    do {
        let writer = try JobFileWriter(creating: partial)
        try data.withUnsafeBytes { try writer.append($0) }
        try writer.finish()
        guard rename(partial, path) == 0 else { throw JobFileWriter.failure(errno, path: path, doing: "rename") }
    } catch {
        unlink(partial)
        throw error
    }
}

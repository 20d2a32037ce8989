import CVideoTracker
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bridges a `ByteSource` into libavformat as a custom AVIOContext: the demuxer's reads and
/// seeks become ranged reads of the source, so no byte is fetched that the demuxer does not ask for.
final class MediaInput {
    let source: ByteSource
    private(set) var context: UnsafeMutablePointer<AVIOContext>!
    private var position: Int64 = 0
    /// The source's error behind the last failed read: libav only sees EIO, callers get this.
    private(set) var failure: Error?

    private static let bufferSize: Int32 = 64 * 1024

    init(source: ByteSource) throws {
        self.source = source
        guard let buffer = av_malloc(Int(Self.bufferSize)) else {
            throw TrackingError(.internalFailure, code: "out_of_memory", "could not allocate the read buffer")
        }
        // `self` is unowned inside the callbacks: the context is freed in deinit, before self is gone.
        let made = avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), Self.bufferSize, 0,
                                  Unmanaged.passUnretained(self).toOpaque(), { opaque, buffer, size in
            Unmanaged<MediaInput>.fromOpaque(opaque!).takeUnretainedValue().read(into: buffer, size: size)
        }, nil, { opaque, offset, whence in
            Unmanaged<MediaInput>.fromOpaque(opaque!).takeUnretainedValue().seek(offset: offset, whence: whence)
        })
        guard let made else {
            av_free(buffer)
            throw TrackingError(.internalFailure, code: "out_of_memory", "could not allocate the I/O context")
        }
        context = made
    }

    deinit {
        av_freep(&context.pointee.buffer)
        avio_context_free(&context)
    }

    private func read(into buffer: UnsafeMutablePointer<UInt8>?, size: Int32) -> Int32 {
        do {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(size)),
                                        at: position)
            if count == 0 { return cvt_av_error_eof() }
            position += Int64(count)
            return Int32(count)
        } catch {
            failure = error
            return -EIO
        }
    }

    private func seek(offset: Int64, whence: Int32) -> Int64 {
        if whence & AVSEEK_SIZE != 0 { return source.size ?? -Int64(ENOSYS) }
        switch whence & ~AVSEEK_FORCE {
        case SEEK_SET: position = offset
        case SEEK_CUR: position += offset
        case SEEK_END:
            guard let size = source.size else { return -Int64(ENOSYS) }
            position = size + offset
        default: return -Int64(EINVAL)
        }
        return position
    }
}

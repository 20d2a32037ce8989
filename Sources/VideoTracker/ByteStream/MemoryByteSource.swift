/// Bytes already in memory, e.g. a camera's last picture as JPEG, for `VideoDecoder` to read.
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    public var size: Int64? { Int64(bytes.count) }
    public private(set) var bytesFetched: Int64 = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset >= 0, offset < Int64(bytes.count) else { return 0 }
        let count = min(buffer.count, bytes.count - Int(offset))
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + Int(offset), byteCount: count)
        }
        bytesFetched += Int64(count)
        return count
    }
}

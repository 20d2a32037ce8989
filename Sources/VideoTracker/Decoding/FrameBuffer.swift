import CVideoTracker

/// One decoded frame as packed BGR, 8 bits a channel: the layout OpenCV's trackers expect.
/// Buffers are recycled by `FramePipeline`, so steady-state tracking allocates no pixels.
public final class FrameBuffer: @unchecked Sendable {
    public let width: Int
    public let height: Int
    public let bytesPerRow: Int
    /// Presentation frame number (see `FrameClock`).
    public internal(set) var number = 0
    let pixels: UnsafeMutableRawPointer

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        // Rows padded to 64 bytes keep swscale's SIMD paths aligned.
        bytesPerRow = (width * 3 + 63) & ~63
        // Slack after the last row: swscale's vector code may write a little past the end.
        pixels = .allocate(byteCount: bytesPerRow * height + 256, alignment: 64)
    }

    deinit { pixels.deallocate() }

    var image: cvt_image {
        cvt_image(pixels: pixels.assumingMemoryBound(to: UInt8.self), width: Int32(width),
                  height: Int32(height), bytes_per_row: Int64(bytesPerRow))
    }

    /// The same pixels for a C call that draws into them (`Annotator`).
    var canvas: cvt_canvas {
        cvt_canvas(pixels: pixels.assumingMemoryBound(to: UInt8.self), width: Int32(width),
                   height: Int32(height), bytes_per_row: Int64(bytesPerRow))
    }

    /// Calls `body` with each row's visible bytes (no padding): for digests and pixel comparisons.
    public func forEachRow(_ body: (UnsafeRawBufferPointer) -> Void) {
        for row in 0..<height {
            body(UnsafeRawBufferPointer(start: pixels + row * bytesPerRow, count: width * 3))
        }
    }

    /// A 64-bit digest of the visible pixels (FNV-1a over 8-byte words, padding excluded).
    public var digest: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        forEachRow { row in
            var offset = 0
            while offset + 8 <= row.count {
                hash = (hash ^ row.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
                offset += 8
            }
            while offset < row.count {
                hash = (hash ^ UInt64(row[offset])) &* 0x100_0000_01b3
                offset += 1
            }
        }
        return hash
    }
}

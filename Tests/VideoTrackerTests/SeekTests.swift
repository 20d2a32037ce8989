import Foundation
import Testing
import VideoTracker

/// Frames after a seek must be the very pixels sequential decoding gives for that number.
@Suite("Seeking is exact")
struct SeekTests {
    static let containers: [(name: String, targets: [Int])] = [
        ("h264-bframes.mp4", [0, 1, 23, 24, 25, 47, 50, 71, 100, 119]),
        ("vp8.webm", [0, 5, 23, 24, 30, 61, 96, 119]),
        ("h264.ts", [0, 2, 24, 37, 48, 73, 110, 119]),
        ("vtest.avi", [0, 7, 50, 99, 150, 201, 299]),
    ]

    @Test("seeking gives the same pixels as decoding from the start", arguments: containers)
    func seekMatchesSequential(_ container: (name: String, targets: [Int])) async throws {
        let server = try await Fixtures.shared.videoServer()
        let url = server.url(container.name)
        let lastTarget = container.targets.max()! + 2
        let sequential = try await onThread { try Self.sequentialDigests(url: url, through: lastTarget) }
        #expect(sequential.keys.sorted() == Array(0...min(lastTarget, sequential.keys.max()!)),
                "frame numbers from timestamps must run 0, 1, 2, ... without gaps")

        for target in container.targets {
            let seeked = try await onThread { try Self.digestsAfterSeek(url: url, to: target, count: 3) }
            #expect(seeked.first?.number == target, "\(container.name): seek to \(target) landed on \(seeked.first?.number ?? -1)")
            for (number, digest) in seeked {
                #expect(digest == sequential[number], "\(container.name): frame \(number) after a seek to \(target) differs")
            }
        }
    }

    @Test("a seek near the end of a long AVI fetches a fraction of the file, not all of it")
    func seekStreamsInsteadOfDownloading() async throws {
        let server = try await Fixtures.shared.videoServer()
        let before = server.bytesServed("vtest.avi")
        let url = server.url("vtest.avi")
        let frames = try await onThread { try Self.digestsAfterSeek(url: url, to: 760, count: 5) }
        #expect(frames.map(\.number) == [760, 761, 762, 763, 764])
        let fileSize = try FileManager.default.attributesOfItem(atPath: TestData.vtest)[.size] as! Int
        let fetched = server.bytesServed("vtest.avi") - before
        #expect(fetched < fileSize / 3, "fetched \(fetched) of \(fileSize) bytes to show 5 frames near the end")
    }

    @Test("before the target, frames no other frame refers to are not decoded at all")
    func seekSkipsUnreferencedFrames() async throws {
        let server = try await Fixtures.shared.videoServer()
        let url = server.url("h264-bframes.mp4")
        // Keyframes every 24 frames: reaching frame 47 from frame 24 takes 24 frames without skipping.
        let decoded = try await onThread {
            let decoder = try Self.decoder(url)
            let landed = try decoder.seek(toFrame: 47)
            return (landed, decoder.framesDecoded)
        }
        #expect(decoded.0 == 47)
        #expect(decoded.1 < 20, "decoded \(decoded.1) frames to reach frame 47 from the keyframe at 24")
    }

    static func decoder(_ url: String) throws -> VideoDecoder {
        var options = HTTPSourceOptions()
        options.destinations = DestinationPolicy(allowPrivateNetworks: true)
        return try VideoDecoder(source: try HTTPByteSource(url: url, options: options))
    }

    static func sequentialDigests(url: String, through last: Int) throws -> [Int: UInt64] {
        let decoder = try decoder(url)
        let buffer = decoder.makeBuffer()
        var digests: [Int: UInt64] = [:]
        while let number = try decoder.nextFrame(), number <= last {
            decoder.convert(into: buffer, number: number)
            digests[number] = buffer.digest
        }
        return digests
    }

    static func digestsAfterSeek(url: String, to target: Int, count: Int) throws -> [(number: Int, digest: UInt64)] {
        let decoder = try decoder(url)
        let buffer = decoder.makeBuffer()
        var frames: [(number: Int, digest: UInt64)] = []
        var number = try decoder.seek(toFrame: target)
        while let current = number, frames.count < count {
            decoder.convert(into: buffer, number: current)
            frames.append((current, buffer.digest))
            number = try decoder.nextFrame()
        }
        return frames
    }
}

/// Runs blocking decoder work off Swift's cooperative pool (the in-process server needs it).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

import Foundation
import Testing
import VideoTracker

@Suite("Address classification (no traffic is sent)")
struct AddressTests {
    @Test("non-public addresses are named", arguments: [
        ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.20.0.1", "private"), ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"), ("100.64.0.1", "carrier-grade NAT"), ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"), ("255.255.255.255", "reserved"), ("::1", "loopback"), ("::", "unspecified"),
        ("fd00::1", "unique local"), ("fe80::1", "link-local"), ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"), ("ff02::1", "multicast"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ])
    func restricted(_ address: String, _ range: String) throws {
        let parsed = try #require(IPAddress(address))
        #expect(parsed.restrictedRange?.hasPrefix(range) == true, "\(address) -> \(parsed.restrictedRange ?? "public")")
        #expect(DestinationPolicy(allowPrivateNetworks: false).refusal(for: parsed) != nil)
        #expect(DestinationPolicy(allowPrivateNetworks: true).refusal(for: parsed) == nil)
    }

    @Test("public addresses pass", arguments: ["8.8.8.8", "93.184.216.34", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.4.4"])
    func publicAddress(_ address: String) throws {
        #expect(try #require(IPAddress(address)).restrictedRange == nil)
    }
}

@Suite("Frame numbering and the contract's JSON")
struct ContractUnitTests {
    @Test("frame numbers come from timestamps, rounded to the nearest frame")
    func frameClock() {
        // 30 fps in a 1/90000 MPEG-TS time base starting at 1.4 s.
        let clock = FrameClock(framesPerSecond: 30, timeBase: 1.0 / 90_000, startTimestamp: 126_000)
        #expect(clock.frameNumber(at: 126_000) == 0)
        #expect(clock.frameNumber(at: 126_000 + 3000) == 1)
        #expect(clock.frameNumber(at: 126_000 + 2990) == 1, "jitter of a few ticks keeps the number")
        #expect(clock.frameNumber(at: clock.timestamp(ofFrame: 300)) == 300)
        // WebM's millisecond clock: 33, 67, 100 ms are frames 1, 2, 3.
        let webm = FrameClock(framesPerSecond: 30, timeBase: 0.001, startTimestamp: 0)
        #expect([33, 67, 100].map { webm.frameNumber(at: $0) } == [1, 2, 3])
    }

    @Test("whole numbers print without a fraction, ids are escaped, lost frames follow the policy")
    func resultJSON() {
        let updates = [
            FrameUpdate(frame: 9, boxes: [Box(left: 1.5, top: 2, right: 3, bottom: 4), nil], progress: 0.5),
            FrameUpdate(frame: 10, boxes: [Box(left: 1, top: 2, right: 3, bottom: 4), Box(left: 5, top: 6, right: 7, bottom: 8)], progress: 1),
        ]
        let omitted = ContractJSON.result(ids: ["a", "q\"uote"], updates: updates, lost: .omit)
        #expect(omitted == #"{"a":{"9":[{"x":1.5,"y":2},{"x":3,"y":4}],"10":[{"x":1,"y":2},{"x":3,"y":4}]},"q\"uote":{"10":[{"x":5,"y":6},{"x":7,"y":8}]}}"#)
        let nulled = ContractJSON.result(ids: ["a", "b"], updates: updates, lost: .null)
        #expect(nulled.contains(#""b":{"9":null,"10":"#))
    }

    @Test("tracker boxes are rounded, clipped to the image, and lost when nothing is left")
    func pixelBoxes() {
        #expect(Box(x: -5.4, y: 10.6, width: 20, height: 20).pixelBox(width: 100, height: 100)
                == Box(left: 0, top: 11, right: 15, bottom: 31))
        #expect(Box(x: 120, y: 10, width: 20, height: 20).pixelBox(width: 100, height: 100) == nil)
        #expect(Box(x: 10, y: 10, width: 0, height: 20).pixelBox(width: 100, height: 100) == nil)
        #expect(Box(x: .nan, y: 10, width: 5, height: 20).pixelBox(width: 100, height: 100) == nil)
    }

    @Test("request decoding: defaults, sorting, and field-named errors")
    func requestDecoding() throws {
        let request = try TrackRequest.decode(Array(#"{"item_stream_url":"https://x/v.webm?jwt=abc","bbs":{"b":[{"x":1,"y":2},{"x":3,"y":4}],"a":[{"x":1,"y":2},{"x":3.5,"y":4}]},"start_frame":7}"#.utf8))
        #expect(request.frameDuration == 60 && request.tracker == nil && request.lostFrames == .omit)
        #expect(request.annotations.map(\.id) == ["a", "b"])
        #expect(request.url == "https://x/v.webm?jwt=abc", "query strings pass through untouched")
        #expect(throws: TrackingError.self) { try TrackRequest.decode(Array(#"{"item_stream_url":"u","bbs":{},"start_frame":0}"#.utf8)) }
        do {
            _ = try TrackRequest.decode(Array(#"{"item_stream_url":"u","bbs":{"a":[{"x":1,"y":true},{"x":3,"y":4}]},"start_frame":0}"#.utf8))
            Issue.record("a boolean coordinate must be refused")
        } catch let error as TrackingError {
            // Box errors name the annotation and quote the box (RequestDecodingTests has the shapes).
            #expect(error.field == "bbs.a" && error.kind == .badRequest)
            #expect(error.message.contains(#"point 1's "y" is not a number"#), "\(error.message)")
        }
    }
}

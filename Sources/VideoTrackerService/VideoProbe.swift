import Foundation
import VideoTracker

/// Checks that a file is a whole video before a job is made of it: our decoder must open its
/// container, decode its first frame and, when the container says how many frames it has, reach
/// one near its end. A text file, zero bytes or an MP4 cut short is refused here, with the form
/// part (or field) it came from named, instead of failing later in the queue.
enum VideoProbe {
    struct Summary: Sendable {
        var width: Int
        var height: Int
        var framesPerSecond: Double
        var estimatedFrames: Int?
    }

    /// Blocking (libav): call it on a thread of its own.
    static func check(path: String, field: String) throws -> Summary {
        let subject = field == "url" ? "the file at the url" : "the uploaded file (part \(field))"
        let source = try FileByteSource(path: path)
        guard let size = source.size, size > 0 else {
            throw refusal(field, "\(subject) is empty (0 bytes)")
        }
        do {
            let decoder = try VideoDecoder(source: source, decoderThreads: 1)
            guard try decoder.nextFrame() != nil else {
                throw refusal(field, "\(subject) has a \(decoder.codecName) stream but no frame could be decoded from it")
            }
            if let count = decoder.estimatedFrameCount, count > 2 {
                // A little short of the end: containers that count by duration may round up a frame or two.
                let target = count - 1 - max(1, count / 50)
                if try decoder.seek(toFrame: target) == nil {
                    throw refusal(field, "\(subject) is cut short: its container announces \(count) frames, "
                                  + "but the data ends before frame \(target)")
                }
            }
            return Summary(width: decoder.width, height: decoder.height, framesPerSecond: decoder.clock.framesPerSecond,
                           estimatedFrames: decoder.estimatedFrameCount)
        } catch let error as TrackingError where error.field != field {
            // The decoder speaks of a URL it fetched; here the bytes came from the client (or were fetched already).
            let reason = error.message.replacingOccurrences(of: "; is the URL a video?", with: "")
            throw refusal(field, "\(subject) is not a video our decoder can read: \(reason)")
        }
    }

    private static func refusal(_ field: String, _ message: String) -> TrackingError {
        TrackingError(.unprocessable, code: "not_a_video", message, field: field)
    }
}

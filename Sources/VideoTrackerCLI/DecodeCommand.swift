import ArgumentParser
import Foundation
import VideoTracker

/// Decode-only: the floor any tracking run stands on, and a quick check that a URL is a video.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode frames without tracking and print what was decoded, as JSON.")

    @Option(help: "Video URL (http or https), or a local file path.") var url: String
    @Option(help: "First frame (seeks to it).") var startFrame = 0
    @Option(help: "Frames to decode (default: to the end).") var frameDuration: Int?
    @Flag(help: "Also convert each frame to BGR, as tracking does.") var convert = false
    @OptionGroup var upstream: UpstreamOptions
    @Option(help: "libavcodec threads (0: libavcodec decides).") var decoderThreads = 0

    func run() throws {
        do {
            let began = ContinuousClock.now
            let decoder = try VideoDecoder(source: try upstream.source(for: url), decoderThreads: decoderThreads)
            let buffer = decoder.makeBuffer()
            let end = frameDuration.map { startFrame + $0 } ?? Int.max
            var count = 0
            var number = try decoder.seek(toFrame: startFrame)
            var first: Int?
            var last: Int?
            while let current = number, current < end {
                if convert { decoder.convert(into: buffer, number: current) }
                first = first ?? current
                last = current
                count += 1
                number = try decoder.nextFrame()
            }
            let seconds = (ContinuousClock.now - began) / .seconds(1)
            Output.line("{\"frames\":\(count),\"first\":\(first.map(String.init) ?? "null"),\"last\":\(last.map(String.init) ?? "null")"
                + ",\"decoded\":\(decoder.framesDecoded),\"width\":\(decoder.width),\"height\":\(decoder.height)"
                + ",\"fps\":\(decoder.clock.framesPerSecond),\"codec\":\"\(decoder.codecName)\""
                + ",\"bytes\":\(decoder.bytesFetched),\"seconds\":\(String(format: "%.3f", seconds))}")
        } catch let error as TrackingError {
            Output.error(ContractJSON.error(error))
            throw ExitCode(error.kind.exitCode)
        }
    }
}

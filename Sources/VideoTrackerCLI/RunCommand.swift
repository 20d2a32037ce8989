import ArgumentParser
import CVideoTracker
import Foundation
import VideoTracker

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Track once and print the JSON the service would return.",
        discussion: "Errors are printed as {\"error\": {...}} on stderr, with a non-zero exit status.")

    @Option(help: "Video URL (http or https), or a local file path.") var url: String
    @Option(help: "Boxes as JSON {id: [{x,y},{x,y}]}, or @file to read them from a file.") var bbs: String
    @Option(help: "Frame the boxes are drawn on.") var startFrame: Int
    @Option(help: "Frames to return, the start frame included.") var frameDuration = TrackRequest.defaultFrameDuration
    @Option(help: "Tracker: \(TrackerKind.allCases.map(\.rawValue).joined(separator: ", ")) (default: nanotrack with models, else csrt).")
    var tracker: String?
    @Option(help: "Lost frames: omit (leave out) or null.") var lost = LostFrames.omit.rawValue
    @Option(name: .customLong("header"), help: "A header for every ranged read, as 'Name: value' (repeatable).")
    var headers: [String] = []
    @OptionGroup var upstream: UpstreamOptions
    @OptionGroup var modelOptions: ModelOptions
    @Flag(help: "Print one JSON line per frame as it is tracked, then a line of totals (as Accept: application/x-ndjson).")
    var ndjson = false
    @Flag(help: "Update trackers one after another instead of on all cores.") var sequential = false
    @Option(help: "Seconds after which tracking stops and returns what it has.") var deadline: Double?

    func run() throws {
        do {
            let request = try TrackRequest.decode(try requestBody())
            if !sequential && request.annotations.count >= ProcessInfo.processInfo.activeProcessorCount {
                // Our trackers already fill every core; OpenCV's own pool would only compete (-11% wall
                // for 4 CSRT people on 2 cores). One tracker keeps it: it helps CSRT there (-13%).
                cvt_set_opencv_threads(1)
            }
            var options = TrackingOptions()
            options.allowLocalFiles = true
            options.destinations = upstream.destinations
            options.connectTimeoutSeconds = upstream.connectTimeout
            options.stallTimeoutSeconds = upstream.stallTimeout
            options.parallel = !sequential
            options.models = try modelOptions.trackerModels()
            if let deadline { options.deadline = .now + .milliseconds(Int(deadline * 1000)) }
            let job = TrackingJob(request: request, options: options)
            let progress = ProgressBar(total: request.frameDuration)
            var updates: [FrameUpdate] = []
            let summary = try job.run { update in
                progress.show(frame: update.frame, progress: update.progress)
                if ndjson {
                    Output.line(ContractJSON.frameLine(ids: job.ids, update: update))
                } else {
                    updates.append(update)
                }
            }
            progress.finish(summary)
            if ndjson {
                Output.line(ContractJSON.summaryLine(ids: job.ids, summary: summary))
            } else {
                Output.line(ContractJSON.result(ids: job.ids, updates: updates, lost: request.lostFrames))
            }
        } catch let error as TrackingError {
            Output.error(ContractJSON.error(error))
            throw ExitCode(error.kind.exitCode)
        }
    }

    /// The same JSON body the service takes, so both paths validate alike.
    private func requestBody() throws -> Data {
        let boxesText: String
        if bbs.hasPrefix("@") {
            let path = String(bbs.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TrackingError(.badRequest, code: "invalid_field", "cannot read the boxes file \(path)", field: "bbs")
            }
            boxesText = String(decoding: data, as: UTF8.self)
        } else {
            boxesText = bbs
        }
        // As strict as the service: the same reader, the offset counted in --bbs.
        let boxes: JSONValue
        do {
            boxes = try StrictJSON.parse(Array(boxesText.utf8))
        } catch {
            throw TrackingError(.badRequest, code: "malformed_json", "--bbs is not valid JSON \(error)", field: "bbs")
        }
        var headerFields: [String: String] = [:]
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw TrackingError(.badRequest, code: "invalid_field", "--header must look like 'Name: value'", field: "headers")
            }
            headerFields[String(header[..<colon])] = header[header.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        var fields: [String: Any] = [
            "item_stream_url": url, "start_frame": startFrame, "frame_duration": frameDuration,
            "lost": lost, "headers": headerFields,
        ]
        if let tracker { fields["tracker"] = tracker }
        // bbs goes in as sent (numbers keep their text), ahead of the other fields.
        let rest = try JSONSerialization.data(withJSONObject: fields)
        return Data("{\"bbs\":\(boxes.compactText),".utf8) + rest.dropFirst()
    }
}

extension TrackingError.Kind {
    /// Distinct exit statuses, so scripts can tell bad input from an unreachable video.
    var exitCode: Int32 {
        switch self {
        case .badRequest, .tooLarge, .unprocessable, .notFound, .methodNotAllowed: 2
        case .unauthorized, .forbidden: 3
        case .upstream, .deadline: 4
        case .overloaded, .internalFailure: 1
        }
    }
}

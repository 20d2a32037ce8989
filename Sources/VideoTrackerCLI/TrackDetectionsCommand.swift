import ArgumentParser
import Foundation
import VideoTracker

/// ByteTrack over detections read from a file instead of the detector: what `mot` does after its
/// detector, frame for frame, so the bench can tune the tracker's options on one detection run
/// (bench/mot_sweep.py) and time the tracker alone (bench/cases/mot_speed.py). Hidden from the help.
struct TrackDetectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track-detections",
        abstract: "Track the detections of a `detect --format json` log (ByteTrack), written as MOTChallenge rows.",
        discussion: "For tuning and timing the tracker. On stderr one JSON line: frames, objects in, tracks out and "
            + "the tracker's time a frame (the fastest of --repeats runs).",
        shouldDisplay: false)

    @Option(help: ArgumentHelp("The detections: the JSON log `detect --format json` writes.", valueName: "log.json"))
    var detections: String
    @Option(help: ArgumentHelp("Write the tracks here as MOTChallenge rows (default: standard output).", valueName: "mot.txt"))
    var out: String?
    @Option(help: "Frames per second of the video (default: the log's).") var fps: Double?
    @Option(help: "Track the whole log this many times with a fresh tracker (for timing).") var repeats = 1
    @OptionGroup var tracking: TrackingFlags
    // ByteTrack's other options, for the sweep only (the `mot` command keeps their defaults).
    @Option(help: "Largest cost of matching a track seen once to a detection.")
    var unconfirmedMatchThreshold = ByteTrackOptions().unconfirmedMatchLimit
    @Option(help: "Fold the detection score into the first round's IoU cost (true, false).")
    var fuseScore = ByteTrackOptions().fuseScore

    func run() throws {
        do {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: detections))
            } catch {
                throw TrackingError(.badRequest, code: "unreadable", "cannot read \(detections)", field: "detections")
            }
            let input = try DetectionLog(json: data)
            var options = try tracking.options()
            options.unconfirmedMatchLimit = unconfirmedMatchThreshold
            options.fuseScore = fuseScore
            try options.validate()
            var output = input
            var fastest = Double.infinity
            for _ in 0..<max(1, repeats) {
                let tracker = MultiObjectTracker(options: options, framesPerSecond: fps ?? input.video.framesPerSecond)
                var frames: [DetectedFrame] = []
                frames.reserveCapacity(input.frames.count)
                let began = ContinuousClock.now
                for frame in input.frames {
                    frames.append(DetectedFrame(number: frame.number, detections: frame.detections.map { tracker.update($0) }))
                }
                fastest = min(fastest, (ContinuousClock.now - began) / .seconds(1))
                output.frames = frames
            }
            try DetectionFlags.write(output.encoded(as: .mot), to: out, field: "out")
            let objects = input.frames.reduce(0) { $0 + ($1.detections?.count ?? 0) }
            let tracks = output.frames.reduce(0) { $0 + ($1.detections?.count ?? 0) }
            let frames = max(1, input.frames.count)
            FileHandle.standardError.write(Data((String(
                format: "{\"frames\":%d,\"objects\":%d,\"tracks\":%d,\"seconds\":%.6f,\"microseconds_a_frame\":%.2f}",
                input.frames.count, objects, tracks, fastest, fastest * 1e6 / Double(frames)) + "\n").utf8))
        } catch let error as TrackingError {
            Output.error(ContractJSON.error(error))
            throw ExitCode(error.kind.exitCode)
        }
    }
}

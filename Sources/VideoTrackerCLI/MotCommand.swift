import ArgumentParser
import Foundation
import VideoTracker

/// Multi-object tracking over a whole video: the detector, then ByteTrack on each class, written
/// as MOTChallenge result rows (what its evaluation tools and the track store read).
struct MotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mot",
        abstract: "Track every person (or the classes named) through a video: YOLOX-Nano + ByteTrack, written as MOTChallenge rows.",
        discussion: "Rows are frame,id,x,y,w,h,score,-1,-1,-1 with frames 1-based. Needs yolox_nano/ in the models folder. "
            + "Errors are printed as {\"error\": {...}} on stderr, with a non-zero exit status.")

    @Option(help: "Video URL (http or https), or a local file path.") var url: String
    @Option(help: ArgumentHelp("Write the tracks here as MOTChallenge rows (default: standard output).", valueName: "mot.txt"))
    var out: String?
    @Option(help: ArgumentHelp("Also write the whole log (tracks with their classes, skipped frames) as JSON here.", valueName: "file"))
    var json: String?
    @OptionGroup var detection: DetectionFlags
    @OptionGroup var tracking: TrackingFlags
    @OptionGroup var upstream: UpstreamOptions
    @OptionGroup var modelOptions: ModelOptions
    @Flag(help: .hidden) var stageTimes = false  // the bench's per-stage split (bench/cases/mot_speed.py)

    func run() throws {
        do {
            let began = ContinuousClock.now
            var options = try detection.options(models: modelOptions, defaultScore: Double(ByteTrackOptions().lowScore),
                                                defaultClasses: ["person"], defaultInputSize: DetectorOptions.trackingInputSize)
            options.tracking = try tracking.options()
            let (log, times) = try DetectionFlags.run(url: url, options: options, models: modelOptions, upstream: upstream)
            let writing = ContinuousClock.now
            try DetectionFlags.write(log.encoded(as: .mot), to: out, field: "out")
            if let json { try DetectionFlags.write(log.encoded(as: .json), to: json, field: "json") }
            if stageTimes {
                let seconds = { (duration: Duration) in duration / .seconds(1) }
                Output.error(String(format: "{\"seconds\":%.4f,\"frames\":%d,\"decode\":%.4f,\"detect\":%.4f,\"track\":%.4f,\"write\":%.4f}",
                                    seconds(ContinuousClock.now - began), log.frames.count, seconds(times.decode),
                                    seconds(times.detect), seconds(times.track), seconds(ContinuousClock.now - writing)))
            }
        } catch let error as TrackingError {
            Output.error(ContractJSON.error(error))
            throw ExitCode(error.kind.exitCode)
        }
    }
}

/// ByteTrack's parameters (the defaults are ours, chosen on the shared sequences: README).
struct TrackingFlags: ParsableArguments {
    @Option(help: "Detections above this are matched first (ByteTrack's track_thresh).")
    var highScore = ByteTrackOptions().highScore
    @Option(help: "Detections between this and --high-score are matched second, to tracks left over.")
    var lowScore = ByteTrackOptions().lowScore
    @Option(help: "An unmatched detection starts a track only above this.")
    var newTrackScore = ByteTrackOptions().newTrackScore
    @Option(help: "Largest matching cost, 1 - IoU x score (ByteTrack's match_thresh).")
    var matchThreshold = ByteTrackOptions().matchLimit
    @Option(help: "Largest second-round cost, 1 - IoU, for a low-score detection to keep a track alive.")
    var secondMatchThreshold = ByteTrackOptions().secondMatchLimit
    @Option(help: "Seconds a track that lost its person is kept for a later match.")
    var lostSeconds = ByteTrackOptions().lostSeconds
    @Option(help: "The box a track reports: the detection matched on the frame, or the Kalman filter's estimate (detection, kalman).")
    var trackBox = ByteTrackOptions().reportedBox.rawValue

    func options() throws -> ByteTrackOptions {
        var options = ByteTrackOptions()
        options.highScore = highScore
        options.lowScore = lowScore
        options.newTrackScore = newTrackScore
        options.matchLimit = matchThreshold
        options.secondMatchLimit = secondMatchThreshold
        options.lostSeconds = lostSeconds
        guard let reportedBox = ByteTrackOptions.ReportedBox(rawValue: trackBox) else {
            throw TrackingError(.badRequest, code: "invalid_field", "track_box must be detection or kalman; got \(trackBox)",
                                field: "track_box")
        }
        options.reportedBox = reportedBox
        try options.validate()
        return options
    }
}

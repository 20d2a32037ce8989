import ArgumentParser

@main
struct VideoTrackerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video-tracker",
        abstract: "Track boxes through a streamed video: the annotation studio's tracker function.",
        subcommands: [ServeCommand.self, RunCommand.self, DecodeCommand.self, DetectCommand.self, MotCommand.self,
                      TrackDetectionsCommand.self]
    )
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One detection job as the database keeps it: where its video came from, the options it runs
/// with, how far it got and how it ended. Its files live in a folder named by `id`.
public struct JobRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case queued, running, done, failed
    }

    public struct Failure: Sendable, Equatable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Random, lowercase letters and digits only: safe as a folder name and in URLs.
    public var id: String
    public var status: Status
    /// The URL the video is fetched from; nil when it was uploaded.
    public var sourceURL: String?
    /// The upload's file name or the URL's last part: what the page and the outputs call the video.
    public var videoName: String
    /// Size of the upload (nil for a URL job).
    public var uploadBytes: Int64?
    public var options: JobOptions
    public var framesDone: Int
    /// Known once the video is open (from the container; nil if it does not say).
    public var framesTotal: Int?
    public var failure: Failure?
    /// How many times a run started (a restart re-runs a job that was running).
    public var attempts: Int
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?

    public init(id: String, sourceURL: String?, videoName: String, uploadBytes: Int64?, options: JobOptions,
                createdAt: Int64 = JobClock.now()) {
        self.id = id
        self.status = .queued
        self.sourceURL = sourceURL
        self.videoName = videoName
        self.uploadBytes = uploadBytes
        self.options = options
        self.framesDone = 0
        self.framesTotal = nil
        self.failure = nil
        self.attempts = 0
        self.createdAt = createdAt
    }

    /// A new random id: 16 characters of [a-z0-9] (82 bits).
    public static func makeID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// Whether `text` could be an id (anything else is not looked up, and never becomes a path).
    public static func isWellFormedID(_ text: some StringProtocol) -> Bool {
        text.count == 16 && text.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) }
    }
}

/// What the detector is asked for, as the job was posted.
public struct JobOptions: Sendable, Equatable {
    /// Detections scoring below this are dropped.
    public var scoreThreshold: Double
    /// Class names to keep; nil keeps every class.
    public var classes: [String]?
    /// Run the detector on every n-th frame.
    public var every: Int
    /// The detector's square input in pixels.
    public var inputSize: Int
    /// Link the detections into tracks (ByteTrack, each class apart): objects carry ids across frames.
    public var track: Bool

    public init(scoreThreshold: Double, classes: [String]?, every: Int, inputSize: Int, track: Bool = false) {
        self.scoreThreshold = scoreThreshold
        self.classes = classes
        self.every = every
        self.inputSize = inputSize
        self.track = track
    }
}

/// Wall-clock milliseconds, the unit of every time column.
public enum JobClock {
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

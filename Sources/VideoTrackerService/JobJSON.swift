import Foundation
import VideoTracker
import VideoTrackerStore

/// A job as the API shows it (`GET /jobs/{id}`, and each entry of `GET /jobs`).
struct JobView: Encodable {
    struct Video: Encodable {
        var name: String
        /// "upload" or "url".
        var source: String
        var url: String?
        var bytes: Int64?
    }

    struct Options: Encodable {
        var score: Double
        var classes: [String]?
        var every: Int
        var inputSize: Int
        var track: Bool

        enum CodingKeys: String, CodingKey {
            case score, classes, every, track
            case inputSize = "input_size"
        }
    }

    struct Progress: Encodable {
        var framesDone: Int
        var framesTotal: Int?
        /// 0...1; 1 once done.
        var fraction: Double

        enum CodingKeys: String, CodingKey {
            case fraction
            case framesDone = "frames_done"
            case framesTotal = "frames_total"
        }
    }

    struct Failure: Encodable {
        var code: String
        var message: String
    }

    struct Links: Encodable {
        var page: String
        var video: String?
        var detections: [String: String]?
    }

    var id: String
    var status: String
    var video: Video
    var options: Options
    var progress: Progress
    var error: Failure?
    var attempts: Int
    var createdAt: String
    var startedAt: String?
    var finishedAt: String?
    var links: Links

    enum CodingKeys: String, CodingKey {
        case id, status, video, options, progress, error, attempts, links
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    init(_ job: JobRecord, hasVideo: Bool) {
        id = job.id
        status = job.status.rawValue
        video = Video(name: job.videoName, source: job.sourceURL == nil ? "upload" : "url", url: job.sourceURL,
                      bytes: job.uploadBytes)
        options = Options(score: job.options.scoreThreshold, classes: job.options.classes, every: job.options.every,
                          inputSize: job.options.inputSize, track: job.options.track)
        var fraction = 0.0
        if job.status == .done {
            fraction = 1
        } else if let total = job.framesTotal, total > 0 {
            fraction = min(1, Double(job.framesDone) / Double(total))
        }
        progress = Progress(framesDone: job.framesDone, framesTotal: job.framesTotal, fraction: (fraction * 1000).rounded() / 1000)
        error = job.failure.map { Failure(code: $0.code, message: $0.message) }
        attempts = job.attempts
        createdAt = Self.time(job.createdAt)
        startedAt = job.startedAt.map(Self.time)
        finishedAt = job.finishedAt.map(Self.time)
        let base = "/jobs/\(job.id)"
        links = Links(page: base)
        if job.status == .done {
            if hasVideo { links.video = base + "/video" }
            links.detections = Dictionary(uniqueKeysWithValues: DetectionFormat.allCases.map {
                ($0.rawValue, base + "/detections?format=\($0.rawValue)")
            })
        }
    }

    private static func time(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).ISO8601Format()
    }
}

enum JobJSON {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The views hold only strings and numbers: encoding cannot fail.
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }
}

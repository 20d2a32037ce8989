import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import VideoTracker

/// The body of `POST /jobs` (multipart/form-data), read as it arrives: the `video` part streams
/// to a file in the job's folder and never sits whole in memory, the other parts are small text
/// fields. Past `maxVideoBytes` the read stops at once with a 413 (the caller removes the file).
struct JobUpload {
    struct Video {
        /// The part's `filename`, when the client sent one.
        var filename: String?
        var bytes: Int64
    }

    /// Text fields in the order they came.
    var fields: [(name: String, value: String)] = []
    var video: Video?

    static let videoField = "video"
    /// A text field is an option or a URL: a few KiB at most.
    static let maxFieldBytes = 64 * 1024
    /// Upload bytes gathered before one write to the file.
    static let writeBatch = 512 * 1024

    /// The boundary of a `multipart/form-data` content type, or a 400 naming the header.
    static func boundary(contentType: String?) throws -> String {
        guard let contentType else {
            throw TrackingError(.badRequest, code: "invalid_content_type",
                                "POST /jobs takes multipart/form-data (a video file part or a url field, and options)",
                                field: "Content-Type")
        }
        let parameters = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parameters.first?.lowercased() == "multipart/form-data" else {
            throw TrackingError(.badRequest, code: "invalid_content_type",
                                "POST /jobs takes multipart/form-data, not \(parameters.first ?? "")", field: "Content-Type")
        }
        for parameter in parameters.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if (1...200).contains(value.utf8.count) { return value }
            }
        }
        throw TrackingError(.badRequest, code: "invalid_content_type", "the multipart/form-data content type has no boundary",
                            field: "Content-Type")
    }

    /// Reads the whole body; the video part goes to `videoPath` (created only if there is one).
    static func read(_ body: RequestBody, boundary: String, videoPath: String, maxVideoBytes: Int64) async throws -> JobUpload {
        let collector = PartCollector(maxVideoBytes: maxVideoBytes)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name: name, value: value) }
        parser.onBody = { buffer in collector.body(&buffer) }
        parser.onPartComplete = { collector.partComplete() }
        var writer: JobFileWriter?
        var tail = ClosingBoundaryTail(boundary: boundary)
        var bodyBytes: Int64 = 0
        // Fields and part headers around the video get some room; nothing else may be large.
        let maxBodyBytes = maxVideoBytes + 1 << 20

        func flush() async throws {
            guard collector.pendingVideo.readableBytes > 0 else { return }
            if writer == nil { writer = try JobFileWriter(creating: videoPath) }
            try await writer!.appendOffThread(collector.pendingVideo)
            collector.pendingVideo.clear()
        }

        for try await chunk in body {
            bodyBytes += Int64(chunk.readableBytes)
            if bodyBytes > maxBodyBytes { throw tooLarge(maxVideoBytes) }
            tail.append(chunk)
            do {
                try parser.execute(chunk)
            } catch {
                throw TrackingError(.badRequest, code: "malformed_multipart", "the multipart/form-data body is malformed (a part's headers)")
            }
            if let problem = collector.problem { throw problem }
            if collector.pendingVideo.readableBytes >= writeBatch { try await flush() }
        }
        guard tail.isClosed else {
            throw TrackingError(.badRequest, code: "malformed_multipart",
                                "the multipart/form-data body ends before its closing boundary (--\(boundary)--)")
        }
        try await flush()
        if collector.videoSeen, writer == nil { writer = try JobFileWriter(creating: videoPath) }
        try await writer?.finishOffThread()
        var upload = JobUpload(fields: collector.fields)
        if collector.videoSeen { upload.video = Video(filename: collector.videoFilename, bytes: collector.videoBytes) }
        return upload
    }

    static func tooLarge(_ limit: Int64) -> TrackingError {
        TrackingError(.tooLarge, code: "video_too_large", "the video is over the limit of \(limit) bytes", field: videoField)
    }
}

/// Receives the parser's callbacks (which cannot throw): text fields are kept, the video's bytes
/// wait in `pendingVideo` for the next write, and the first problem is kept for the reader to throw.
private final class PartCollector {
    let maxVideoBytes: Int64
    var fields: [(name: String, value: String)] = []
    var pendingVideo = ByteBuffer()
    var videoBytes: Int64 = 0
    var videoSeen = false
    var videoFilename: String?
    var problem: TrackingError?

    private var disposition: String?
    private var partStarted = false
    private var partName: String?
    private var isVideo = false
    private var fieldBytes: [UInt8] = []

    init(maxVideoBytes: Int64) { self.maxVideoBytes = maxVideoBytes }

    func header(name: String, value: String) {
        if name.lowercased() == "content-disposition" { disposition = value }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard problem == nil else { return }
        startPartIfNeeded()
        guard problem == nil else { return }
        if isVideo {
            videoBytes += Int64(buffer.readableBytes)
            if videoBytes > maxVideoBytes { problem = JobUpload.tooLarge(maxVideoBytes); return }
            pendingVideo.writeBuffer(&buffer)
        } else {
            fieldBytes += buffer.readableBytesView
            if fieldBytes.count > JobUpload.maxFieldBytes {
                problem = TrackingError(.tooLarge, code: "field_too_large",
                                        "the field \(partName ?? "") is over \(JobUpload.maxFieldBytes) bytes", field: partName)
            }
        }
    }

    func partComplete() {
        guard problem == nil else { return }
        startPartIfNeeded()
        guard problem == nil, let partName else { return }
        if !isVideo {
            guard let value = String(validating: fieldBytes, as: UTF8.self) else {
                problem = TrackingError(.badRequest, code: "invalid_field", "the field \(partName) is not UTF-8 text", field: partName)
                return
            }
            fields.append((partName, value))
        }
        disposition = nil
        partStarted = false
        self.partName = nil
        isVideo = false
        fieldBytes = []
    }

    private func startPartIfNeeded() {
        guard !partStarted else { return }
        partStarted = true
        let parameters = Self.parameters(of: disposition ?? "")
        guard let name = parameters["name"], !name.isEmpty else {
            problem = TrackingError(.badRequest, code: "malformed_multipart",
                                    "a part of the form has no name (Content-Disposition: form-data; name=\"...\")")
            return
        }
        partName = name
        if name == JobUpload.videoField {
            guard !videoSeen else {
                problem = TrackingError(.badRequest, code: "duplicate_field", "the form has more than one video part",
                                        field: JobUpload.videoField)
                return
            }
            isVideo = true
            videoSeen = true
            videoFilename = parameters["filename"]
        }
    }

    /// `form-data; name="video"; filename="a.mp4"` -> ["name": "video", "filename": "a.mp4"].
    static func parameters(of disposition: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(disposition)
        // Split on semicolons outside quotes (a file name may hold one).
        var pieces: [Substring] = []
        var inQuotes = false
        var start = rest.startIndex
        for index in rest.indices {
            let character = rest[index]
            if character == "\"" { inQuotes.toggle() }
            if character == ";" && !inQuotes {
                pieces.append(rest[start..<index])
                start = rest.index(after: index)
            }
        }
        pieces.append(rest[start...])
        rest = ""
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            result[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = value
        }
        return result
    }
}

/// The last bytes of the body, to tell a form that ended properly (`--boundary--`) from one cut off.
private struct ClosingBoundaryTail {
    private let closing: [UInt8]
    private var last: [UInt8] = []

    init(boundary: String) { closing = Array("--\(boundary)--".utf8) }

    mutating func append(_ chunk: ByteBuffer) {
        last += chunk.readableBytesView.suffix(closing.count + 4)
        if last.count > 2 * (closing.count + 4) { last.removeFirst(last.count - (closing.count + 4)) }
    }

    /// The closing delimiter, then at most a line break (anything after it is the epilogue, which clients leave empty).
    var isClosed: Bool {
        var trimmed = last[...]
        while let byte = trimmed.last, byte == 0x0d || byte == 0x0a { trimmed = trimmed.dropLast() }
        return trimmed.count >= closing.count && Array(trimmed.suffix(closing.count)) == closing
    }
}

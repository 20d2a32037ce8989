import Foundation

/// What ffprobe says about a media file (frames and packets counted by reading them all), and
/// the other views of a file the encoding tests need: its top-level MP4 boxes, a frame as PNG.
struct MediaProbe {
    let streams: [[String: Any]]
    let format: [String: Any]

    static func probe(_ path: String) async throws -> MediaProbe {
        let result = try await runProcess("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-count_packets",
                                                               "-show_streams", "-show_format", "-of", "json", path])
        guard result.status == 0,
              let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else {
            throw TestFailure("ffprobe could not read \(path): \(result.errorOutput)")
        }
        return MediaProbe(streams: json["streams"] as? [[String: Any]] ?? [], format: json["format"] as? [String: Any] ?? [:])
    }

    /// The streams of one type (`video`, `audio`).
    func streams(_ type: String) -> [[String: Any]] { streams.filter { $0["codec_type"] as? String == type } }

    /// The first stream of a type.
    func stream(_ type: String) throws -> [String: Any] {
        guard let stream = streams(type).first else { throw TestFailure("no \(type) stream") }
        return stream
    }

    /// A field ffprobe writes as a string ("179", "7.160000") read as a number.
    static func number(_ stream: [String: Any], _ key: String) -> Double? {
        if let value = stream[key] as? Double { return value }
        if let value = stream[key] as? Int { return Double(value) }
        return (stream[key] as? String).flatMap(Double.init)
    }

    static func text(_ stream: [String: Any], _ key: String) -> String? { stream[key] as? String }

    /// The types of an MP4's top-level boxes in file order (`ftyp`, `moov`, `free`, `mdat`...),
    /// read from their headers: the order faststart is about.
    static func topLevelBoxes(_ path: String) throws -> [String] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        var offset: UInt64 = 0
        var boxes: [String] = []
        while offset + 8 <= size {
            try handle.seek(toOffset: offset)
            let header = try handle.read(upToCount: 16) ?? Data()
            guard header.count >= 8 else { break }
            var length = header.prefix(4).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let type = String(decoding: header[4..<8], as: UTF8.self)
            if length == 1, header.count == 16 { length = header[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
            if length == 0 { length = size - offset }
            guard length >= 8 else { throw TestFailure("a broken box header at \(offset) in \(path)") }
            boxes.append(type)
            offset += length
        }
        guard offset == size else { throw TestFailure("the boxes of \(path) end at \(offset), the file at \(size)") }
        return boxes
    }

    /// Runs ffmpeg quietly; throws with its error output when it fails.
    static func ffmpeg(_ arguments: [String]) async throws {
        let result = try await runProcess("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
        guard result.status == 0 else { throw TestFailure("ffmpeg \(arguments.joined(separator: " ")): \(result.errorOutput)") }
    }

    /// Frame `index` (0-based, decode order of presentation) of a video saved as PNG, for a person to look at.
    static func savePNG(of video: String, frame index: Int, to png: String) async throws {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: png).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try await ffmpeg(["-i", video, "-vf", "select=eq(n\\,\(index))", "-frames:v", "1", "-update", "1", png])
    }

    /// `.build/test-output/<name>` in the repository, kept after the run (git-ignored).
    static func keptOutput(_ name: String) -> String {
        TestData.repoRoot.appendingPathComponent(".build/test-output").appendingPathComponent(name).path
    }
}

/// A folder of its own under the system's temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init(_ purpose: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("video-tracker-\(purpose)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

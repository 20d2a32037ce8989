import Foundation

/// Videos shared by the whole test run: the test data as it is, plus the same footage
/// re-encoded by ffmpeg into the containers the annotation studio meets (made once per run).
actor Fixtures {
    static let shared = Fixtures()

    private var server: VideoServer?
    private var directory: URL?
    private var faulty: FaultyServer?

    /// Names the server knows: crossing.mp4, vtest.avi, tud.mp4, and the re-encodings
    /// h264-bframes.mp4, h264-faststart.mp4, vp8.webm, h264.ts (120 frames of Crossing, a keyframe every 24).
    func videoServer() async throws -> VideoServer {
        if let server { return server }
        let directory = try makeContainers()
        var files = ["crossing.mp4": TestData.crossing, "vtest.avi": TestData.vtest, "tud.mp4": TestData.tud]
        for name in Self.encodings.keys { files[name] = directory.appendingPathComponent(name).path }
        let made = try await VideoServer.start(files: files)
        server = made
        return made
    }

    /// Size in bytes of one of the ffmpeg-made files.
    func size(of name: String) throws -> Int {
        let path = try makeContainers().appendingPathComponent(name).path
        return try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    }

    /// Where one of the ffmpeg-made files is.
    func path(of name: String) throws -> String {
        try makeContainers().appendingPathComponent(name).path
    }

    /// A misbehaving server over the same files (see `FaultyServer`).
    func faultyServer() async throws -> FaultyServer {
        if let faulty { return faulty }
        let directory = try makeContainers()
        var files = ["crossing.mp4": TestData.crossing, "vtest.avi": TestData.vtest]
        for name in Self.encodings.keys { files[name] = directory.appendingPathComponent(name).path }
        let made = try FaultyServer(files: files)
        faulty = made
        return made
    }

    static let encodings: [String: [String]] = [
        "h264-bframes.mp4": ["-c:v", "libx264", "-bf", "3", "-g", "24", "-keyint_min", "24", "-sc_threshold", "0",
                             "-pix_fmt", "yuv420p"],
        "vp8.webm": ["-c:v", "libvpx", "-g", "24", "-b:v", "600k"],
        "h264-faststart.mp4": ["-c:v", "libx264", "-g", "24", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
        "h264.ts": ["-c:v", "libx264", "-bf", "2", "-g", "24", "-keyint_min", "24", "-sc_threshold", "0",
                    "-pix_fmt", "yuv420p", "-f", "mpegts"],
    ]

    private func makeContainers() throws -> URL {
        if let directory { return directory }
        let made = FileManager.default.temporaryDirectory.appendingPathComponent("video-tracker-tests-\(getpid())")
        try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
        for (name, codec) in Self.encodings {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            process.arguments = ["-hide_banner", "-loglevel", "error", "-y", "-i", TestData.crossing, "-an"]
                + codec + [made.appendingPathComponent(name).path]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw TestFailure("ffmpeg could not make \(name)") }
        }
        directory = made
        return made
    }
}

import Foundation
import NIOPosix

/// Where a job's files are: `<data dir>/jobs/<id>/` holds `source` (the uploaded or fetched
/// video), `video.mp4` (the annotated result) and `detections.<format>`; the database is
/// `<data dir>/jobs.sqlite`. A file is written under a `.partial` name and renamed when whole,
/// so a name without it is always a complete file.
public struct JobFiles: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public var databasePath: String { root + "/jobs.sqlite" }
    public var jobsFolder: String { root + "/jobs" }

    public func folder(_ id: String) -> String { jobsFolder + "/" + id }
    public func source(_ id: String) -> String { folder(id) + "/source" }
    public func video(_ id: String) -> String { folder(id) + "/video.mp4" }
    public func detections(_ id: String, format: String) -> String { folder(id) + "/detections." + format }
    public static func partial(_ path: String) -> String { path + ".partial" }

    /// Creates the data folder and its jobs folder (at start).
    public func prepare() throws {
        try FileManager.default.createDirectory(atPath: jobsFolder, withIntermediateDirectories: true)
    }

    // File system calls block: these run them on NIO's thread pool, off Swift's concurrency threads.

    public func createFolder(_ id: String) async throws {
        try await NIOThreadPool.singleton.runIfActive { [self] in
            try FileManager.default.createDirectory(atPath: folder(id), withIntermediateDirectories: true)
        }
    }

    /// Removes a job's folder and everything in it (nothing if it is not there).
    public func removeFolder(_ id: String) async {
        _ = try? await NIOThreadPool.singleton.runIfActive { [self] in
            try? FileManager.default.removeItem(atPath: folder(id))
        }
    }

    /// The ids of the job folders on disk (to find folders no job owns).
    public func folderIDs() async throws -> [String] {
        try await NIOThreadPool.singleton.runIfActive { [self] in
            try FileManager.default.contentsOfDirectory(atPath: jobsFolder)
        }
    }

    /// Size of a complete file, nil when it is not there.
    public func size(of path: String) async -> Int64? {
        try? await NIOThreadPool.singleton.runIfActive {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value
        }
    }
}

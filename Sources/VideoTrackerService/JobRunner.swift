import Foundation
import VideoTracker
import VideoTrackerStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One job from its video to its outputs, blocking, on the job's own thread. A URL job's video is
/// fetched into the job's folder first and checked like an upload, so a re-run after a restart
/// reads it from disk (a fetch the restart cut short starts again). Then the detector runs and
/// its outputs are written, each whole or not at all.
struct JobRunner: Sendable {
    let files: JobFiles
    let detector: any JobDetector
    let fetchOptions: HTTPSourceOptions
    let maxVideoBytes: Int64

    func run(_ job: JobRecord, cancellation: JobCancellation,
             progress: @escaping (FrameProgress) -> Void) throws -> DetectionOutputs {
        removeOutputs(of: job.id)
        do {
            let source = files.source(job.id)
            if let url = job.sourceURL, access(source, F_OK) != 0 {
                try fetch(url, to: source, cancellation: cancellation)
                _ = try VideoProbe.check(path: source, field: "url")
            }
            try cancellation.checkCancelled()
            if let reason = detector.unavailableReason { throw reason }
            // The encoder writes beside the path and renames into it only when the video is whole.
            let outputs = try detector.detect(videoAt: source, name: job.videoName, options: job.options,
                                              videoOutput: files.video(job.id), cancellation: cancellation,
                                              progress: progress)
            try cancellation.checkCancelled()
            for format in DetectionFormat.allCases {
                guard let data = outputs.encoded[format.rawValue] else { continue }
                try writeWholeFile(data, to: files.detections(job.id, format: format.fileExtension))
            }
            return outputs
        } catch {
            // A failed job keeps its video (the upload) but no half outputs: they would fill the disk.
            removeOutputs(of: job.id)
            throw error
        }
    }

    /// Streams the URL's bytes into `path` (ranged reads, resumed after a cut, redirects and
    /// addresses checked as for /run), at most `maxVideoBytes`.
    private func fetch(_ url: String, to path: String, cancellation: JobCancellation) throws {
        var options = fetchOptions
        options.shouldAbort = { cancellation.isCancelled }
        let partial = JobFiles.partial(path)
        do {
            let source = try HTTPByteSource(url: url, options: options)
            let writer = try JobFileWriter(creating: partial)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            var offset: Int64 = 0
            while true {
                try cancellation.checkCancelled()
                let count = try source.read(into: buffer, at: offset)
                if count == 0 { break }
                offset += Int64(count)
                if offset > maxVideoBytes {
                    throw TrackingError(.tooLarge, code: "video_too_large",
                                        "the video at the url is over the limit of \(maxVideoBytes) bytes", field: "url")
                }
                try writer.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
            try writer.finish()
            guard rename(partial, path) == 0 else { throw JobFileWriter.failure(errno, path: path, doing: "rename") }
        } catch {
            unlink(partial)
            throw error
        }
    }

    private func removeOutputs(of id: String) {
        var paths = [files.video(id)]
        for format in DetectionFormat.allCases {
            let path = files.detections(id, format: format.fileExtension)
            paths += [path, JobFiles.partial(path)]
        }
        // The encoder's hidden work files, left behind when a process died while encoding.
        let folder = files.folder(id)
        paths += ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(".") }.map { folder + "/" + $0 }
        for path in paths { unlink(path) }
    }
}

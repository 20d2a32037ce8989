import Foundation
import VideoTracker

enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// A one-line bar on stderr, drawn only when stderr is a terminal (never in logs or pipes).
final class ProgressBar {
    private let enabled = isatty(STDERR_FILENO) == 1
    private let total: Int
    private var lastDrawn = -1

    init(total: Int) { self.total = total }

    func show(frame: Int, progress: Double) {
        guard enabled else { return }
        let percent = Int(progress * 100)
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let width = 30
        let filled = Int(progress * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(percent)% frame \(frame)".utf8))
    }

    func finish(_ summary: TrackingSummary) {
        guard enabled else { return }
        let note = summary.partial ? " (partial: \(summary.stopReason.rawValue))" : ""
        FileHandle.standardError.write(Data(String(format: "\r%d/%d frames in %.1f s%@\u{1B}[K\n",
            summary.framesTracked, summary.framesRequested, summary.seconds, note).utf8))
    }
}

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

/// A one-line bar on stderr, drawn only when stderr is a terminal (never in logs or pipes), sized
/// to the terminal's width at every redraw: a line wider than the terminal wraps, and each `\r`
/// then redraws only its last row, leaving copies down the screen.
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
        let text = Self.line(progress: progress, percent: percent, frame: frame, columns: Self.terminalColumns())
        FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
    }

    func finish(_ summary: TrackingSummary) {
        let note = summary.partial ? " (partial: \(summary.stopReason.rawValue))" : ""
        finish(String(format: "%d/%d frames in %.1f s", summary.framesTracked, summary.framesRequested, summary.seconds) + note)
    }

    /// Replaces the bar by a last line, `text`.
    func finish(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\(text.prefix(Self.terminalColumns() - 1))\u{1B}[K\n".utf8))
    }

    /// The bar filling `columns - 1` characters (the last column is left free: writing into it makes
    /// some terminals wrap at once). Narrow terminals drop the frame number, then the bar.
    static func line(progress: Double, percent: Int, frame: Int, columns: Int) -> String {
        let room = columns - 1
        for suffix in [" \(percent)% frame \(frame)", " \(percent)%"] {
            let width = room - 2 - suffix.count
            guard width >= 5 else { continue }
            let filled = min(width, max(0, Int(progress * Double(width))))
            return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]" + suffix
        }
        return String("\(percent)%".prefix(max(0, room)))
    }

    /// The width of the terminal on stderr (TIOCGWINSZ), else `COLUMNS`, else 80.
    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }
}

import CVideoTracker
import Foundation
import Synchronization

/// libavformat's way out of a blocking read: its interrupt callback, polled during every connect
/// and read, answers "abandon" when the session is stopping or when no data has come for the stall
/// timeout. Reads then fail with AVERROR_EXIT at once, wherever libav was waiting.
final class StreamInterrupt: Sendable {
    /// Monotonic nanoseconds (`DispatchTime`) after which a read is abandoned; `.max` while none is armed.
    private let deadline = Atomic<UInt64>(.max)
    private let stopped = Atomic<Bool>(false)
    private let timedOut = Atomic<Bool>(false)
    let stallTimeout: Duration

    init(stallTimeout: Duration) {
        self.stallTimeout = stallTimeout
    }

    /// Data arrived (or a connection begins): the next stall is measured from now.
    func progressed() {
        let nanoseconds = UInt64(stallTimeout.components.seconds) * 1_000_000_000
            + UInt64(stallTimeout.components.attoseconds / 1_000_000_000)
        deadline.store(DispatchTime.now().uptimeNanoseconds + nanoseconds, ordering: .relaxed)
        timedOut.store(false, ordering: .relaxed)
    }

    /// Every blocking call from now on returns at once, for good.
    func stop() { stopped.store(true, ordering: .relaxed) }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Whether the last abandoned read was abandoned for the stall timeout (rather than `stop`).
    var didTimeOut: Bool { timedOut.load(ordering: .relaxed) }

    /// The callback for an AVFormatContext; valid while `self` lives (the session keeps it).
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(callback: { opaque in
            Unmanaged<StreamInterrupt>.fromOpaque(opaque!).takeUnretainedValue().shouldAbandon() ? 1 : 0
        }, opaque: Unmanaged.passUnretained(self).toOpaque())
    }

    private func shouldAbandon() -> Bool {
        if stopped.load(ordering: .relaxed) { return true }
        if DispatchTime.now().uptimeNanoseconds > deadline.load(ordering: .relaxed) {
            timedOut.store(true, ordering: .relaxed)
            return true
        }
        return false
    }
}

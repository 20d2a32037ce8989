import CVideoTracker

/// One OpenCV tracker following one box.
final class ObjectTracker: SingleObjectTracker, @unchecked Sendable {
    let kind: TrackerKind
    /// The box it starts on, as asked.
    let box: Box
    private let tracker: OpaquePointer

    /// A tracker for `box`, which `start` begins on (csrt-fast's parameters depend on its size).
    init(kind: TrackerKind, box: Box) throws {
        self.kind = kind
        self.box = box
        guard let shimKind = kind.openCVKind else { preconditionFailure("\(kind) is not an OpenCV tracker") }
        var error = [CChar](repeating: 0, count: 512)
        let made: OpaquePointer?
        if var tuning = kind.csrtTuning(for: box) {
            made = cvt_tracker_create(shimKind, &tuning, &error, error.count)
        } else {
            made = cvt_tracker_create(shimKind, nil, &error, error.count)
        }
        guard let made else {
            throw TrackingError(.internalFailure, code: "tracker_create_failed",
                                "OpenCV could not create a \(kind.rawValue) tracker: \(String(cText: error))",
                                field: "tracker")
        }
        tracker = made
    }

    deinit { cvt_tracker_destroy(tracker) }

    func start(on frame: FrameBuffer) -> TrackerOutcome {
        var error = [CChar](repeating: 0, count: 512)
        let rect = cvt_rect(x: box.left, y: box.top, width: box.width, height: box.height)
        switch cvt_tracker_init(tracker, frame.image, rect, &error, error.count) {
        case CVT_OK: return .located(box)
        case CVT_NOT_FOUND: return .lost
        default: return .failed(String(cText: error))
        }
    }

    func update(on frame: FrameBuffer) -> TrackerOutcome {
        // The message buffer lives on the stack: this runs for every tracker on every frame.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { error in
            error[0] = 0
            var rect = cvt_rect()
            switch cvt_tracker_update(tracker, frame.image, &rect, error.baseAddress, error.count) {
            case CVT_OK:
                let box = Box(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
                return box.pixelBox(width: frame.width, height: frame.height).map { .located($0) } ?? .lost
            case CVT_NOT_FOUND: return .lost
            default: return .failed(String(cString: error.baseAddress!))
            }
        }
    }
}

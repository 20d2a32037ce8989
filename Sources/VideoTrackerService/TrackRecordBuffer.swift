import Synchronization
import VideoTrackerStore

/// Track records between the cameras' threads and the store. Cameras append (never waiting for
/// the database); the writer takes a batch a second. While the store is unreachable records wait
/// here up to `capacity`; past it the oldest are dropped, counted per camera (in /metrics and the
/// camera's status), so memory stays bounded and the newest data survives.
final class TrackRecordBuffer: Sendable {
    struct CameraCounts: Sendable, Equatable {
        var written = 0
        var dropped = 0
        var pending = 0
    }

    let capacity: Int
    private struct State {
        var records: [TrackRecord] = []
        /// `records[start...]` are waiting; the prefix was taken and is reclaimed lazily.
        var start = 0
        var counts: [String: CameraCounts] = [:]
    }
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var pending: Int { state.withLock { $0.records.count - $0.start } }

    func counts(camera: String) -> CameraCounts { state.withLock { $0.counts[camera] ?? CameraCounts() } }

    func append(_ records: [TrackRecord]) {
        guard !records.isEmpty else { return }
        state.withLock { state in
            state.records.append(contentsOf: records)
            for record in records { state.counts[record.cameraID, default: CameraCounts()].pending += 1 }
            Self.dropOverflow(&state, capacity: capacity)
        }
    }

    /// The oldest waiting records, up to `limit`, taken out: `written` or `putBack` must follow.
    func take(upTo limit: Int) -> [TrackRecord] {
        state.withLock { state in
            let end = min(state.records.count, state.start + limit)
            let batch = Array(state.records[state.start..<end])
            state.start = end
            if state.start > 4096, state.start * 2 > state.records.count {
                state.records.removeFirst(state.start)
                state.start = 0
            }
            return batch
        }
    }

    /// A batch reached the store: `inserted` rows were new (the rest were there already).
    func written(_ batch: [TrackRecord]) {
        state.withLock { state in
            for record in batch {
                state.counts[record.cameraID, default: CameraCounts()].pending -= 1
                state.counts[record.cameraID, default: CameraCounts()].written += 1
            }
        }
    }

    /// A batch the store refused goes back in front, to be written first when it returns.
    func putBack(_ batch: [TrackRecord]) {
        guard !batch.isEmpty else { return }
        state.withLock { state in
            state.records.replaceSubrange(state.records.startIndex..<state.start, with: batch)
            state.start = 0
            Self.dropOverflow(&state, capacity: capacity)
        }
    }

    /// A camera deleted with its records: what still waits for it is dropped uncounted.
    func forget(camera: String) {
        state.withLock { state in
            state.records = state.records[state.start...].filter { $0.cameraID != camera }
            state.start = 0
            state.counts[camera] = nil
        }
    }

    private static func dropOverflow(_ state: inout State, capacity: Int) {
        let over = state.records.count - state.start - capacity
        guard over > 0 else { return }
        for record in state.records[state.start..<(state.start + over)] {
            state.counts[record.cameraID, default: CameraCounts()].pending -= 1
            state.counts[record.cameraID, default: CameraCounts()].dropped += 1
        }
        state.start += over
    }
}

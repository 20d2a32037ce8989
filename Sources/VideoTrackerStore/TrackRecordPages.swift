/// A camera's records in time order, one page ([TrackRecord]) at a time, each page read when
/// the previous one has been consumed.
public struct TrackRecordPages: AsyncSequence, Sendable {
    public typealias Element = [TrackRecord]

    let store: TrackStore
    let camera: String
    let from: Int64?
    let to: Int64?
    let pageSize: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pages: TrackRecordPages
        var last: TrackRecord?
        var finished = false

        public mutating func next() async throws -> [TrackRecord]? {
            guard !finished else { return nil }
            let page = try await pages.store.records(camera: pages.camera, from: pages.from, to: pages.to,
                                                     after: last, limit: pages.pageSize)
            finished = page.count < pages.pageSize
            last = page.last
            return page.isEmpty ? nil : page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pages: self) }
}

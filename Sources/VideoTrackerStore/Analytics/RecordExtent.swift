import SQLKit

/// How far a camera's boxes reach: the size of its analytics pictures when no frame of it is at
/// hand (`AnalyticsCanvas.size`).
extension TrackAnalytics {
    public struct Extent: Sendable, Equatable {
        /// The largest x + w and y + h of the camera's records, in pixels.
        public var right: Double
        public var bottom: Double
    }

    /// Over all the camera's records, whatever window is asked, so every window's picture has the
    /// same size; nil when it has none.
    public func extent(camera: String) async throws -> Extent? {
        guard let row = try await sql.raw("""
            SELECT MAX(x + w) AS right_edge, MAX(y + h) AS bottom_edge FROM track_records WHERE camera_id = \(bind: camera)
            """).first(),
            let right = try row.decode(column: "right_edge", as: Double?.self),
            let bottom = try row.decode(column: "bottom_edge", as: Double?.self) else { return nil }
        return Extent(right: right, bottom: bottom)
    }
}

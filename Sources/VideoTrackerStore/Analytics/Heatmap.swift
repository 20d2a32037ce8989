import SQLKit

/// Where tracks stand: positions counted on a grid of square cells.
extension TrackAnalytics {
    public struct HeatmapCell: Sendable, Equatable, Hashable {
        /// The cell's column and row: floor(x / cell), floor(y / cell) (negative left of or above the picture).
        public var column: Int64
        public var row: Int64
        public var count: Int

        public init(column: Int64, row: Int64, count: Int) {
            self.column = column
            self.row = row
            self.count = count
        }
    }

    /// The cells with positions in them, row by row. `cell`: the side in pixels.
    public func heatmap(_ scope: Scope, cell: Double) async throws -> [HeatmapCell] {
        let column = floor("px / \(bind: cell)"), row = floor("py / \(bind: cell)")
        return try await sql.raw("""
            WITH positions AS (\(scope.positions)),
            cells AS (SELECT \(column) AS cell_x, \(row) AS cell_y FROM positions)
            SELECT cell_x, cell_y, COUNT(*) AS n FROM cells GROUP BY cell_x, cell_y ORDER BY cell_y, cell_x
            """).all().map { row in
                HeatmapCell(column: try row.decode(column: "cell_x", as: Int64.self), row: try row.decode(column: "cell_y", as: Int64.self),
                            count: try row.decode(column: "n", as: Int.self))
            }
    }

    /// floor() as an integer. PostgreSQL has FLOOR; sqlite-nio's SQLite is built without the math
    /// functions, and its CAST truncates toward zero, so one less below zero when not whole.
    private func floor(_ value: SQLQueryString) -> SQLQueryString {
        switch database.kind {
        case .postgresql:
            return "CAST(FLOOR(\(value)) AS BIGINT)"
        case .sqlite:
            return "(CAST(\(value) AS INTEGER) - CASE WHEN \(value) < CAST(\(value) AS INTEGER) THEN 1 ELSE 0 END)"
        }
    }
}

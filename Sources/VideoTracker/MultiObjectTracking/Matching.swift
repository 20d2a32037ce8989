/// Matching tracks to detections: a cost for each pair and the cheapest one-to-one assignment
/// under a cost limit (ByteTrack's `matching.py`: IoU distance, score fusion, `lapjv` with
/// `cost_limit`).
enum Matching {
    /// 1 - IoU for every (row, column) pair: rows are tracks' predicted boxes, columns detections.
    static func iouDistance(_ rows: [Box], _ columns: [Box]) -> [[Double]] {
        rows.map { row in columns.map { 1 - row.intersectionOverUnion($0) } }
    }

    /// Folds each detection's score into the cost (1 - IoU * score), so a confident detection wins
    /// a track over a doubtful one overlapping it as much.
    static func fuseScore(_ cost: [[Double]], scores: [Float]) -> [[Double]] {
        cost.map { row in row.enumerated().map { column, value in 1 - (1 - value) * Double(scores[column]) } }
    }

    struct Assignment: Equatable {
        var matches: [(row: Int, column: Int)]
        var unmatchedRows: [Int]
        var unmatchedColumns: [Int]

        static func == (a: Assignment, b: Assignment) -> Bool {
            a.matches.map { [$0.row, $0.column] } == b.matches.map { [$0.row, $0.column] }
                && a.unmatchedRows == b.unmatchedRows && a.unmatchedColumns == b.unmatchedColumns
        }
    }

    /// The one-to-one matching of least total cost in which no pair costs more than `limit`, and
    /// leaving a row or a column unmatched costs `limit / 2` (what `lapjv(extend_cost=True,
    /// cost_limit=limit)` solves): a pair is matched only when that beats leaving both alone.
    /// Rows and columns fall apart into groups linked by pairs within the limit (people far apart
    /// never compete), and each group is solved exactly (Hungarian method) on its own: a crowd of
    /// 30 costs a few small problems, not one of 60 x 60.
    /// `columns` is given because a matrix without rows does not tell it.
    static func assign(_ cost: [[Double]], columns: Int, limit: Double) -> Assignment {
        let rows = cost.count
        var columnOfRow = [Int?](repeating: nil, count: rows)
        for group in groups(cost, rows: rows, columns: columns, limit: limit) {
            let solved = solveGroup(cost, rows: group.rows, columns: group.columns, limit: limit)
            for (row, column) in solved { columnOfRow[row] = column }
        }
        var matches: [(row: Int, column: Int)] = []
        var matchedColumns = Set<Int>()
        var unmatchedRows: [Int] = []
        for row in 0..<rows {
            if let column = columnOfRow[row] {
                matches.append((row, column))
                matchedColumns.insert(column)
            } else {
                unmatchedRows.append(row)
            }
        }
        return Assignment(matches: matches, unmatchedRows: unmatchedRows,
                          unmatchedColumns: (0..<columns).filter { !matchedColumns.contains($0) })
    }

    /// Connected groups of rows and columns, linked by the pairs costing at most `limit`.
    private static func groups(_ cost: [[Double]], rows: Int, columns: Int,
                               limit: Double) -> [(rows: [Int], columns: [Int])] {
        var rowSeen = [Bool](repeating: false, count: rows)
        var columnSeen = [Bool](repeating: false, count: columns)
        var found: [(rows: [Int], columns: [Int])] = []
        for start in 0..<rows where !rowSeen[start] {
            var groupRows = [start], groupColumns: [Int] = []
            rowSeen[start] = true
            var next = 0
            while next < groupRows.count {
                let row = groupRows[next]
                next += 1
                for column in 0..<columns where !columnSeen[column] && cost[row][column] <= limit {
                    columnSeen[column] = true
                    groupColumns.append(column)
                    for other in 0..<rows where !rowSeen[other] && cost[other][column] <= limit {
                        rowSeen[other] = true
                        groupRows.append(other)
                    }
                }
            }
            if !groupColumns.isEmpty { found.append((groupRows, groupColumns)) }
        }
        return found
    }

    /// The matched (row, column) pairs of one group: the square problem of its rows and columns
    /// plus one "unmatched" slot for each, at `limit / 2`.
    private static func solveGroup(_ cost: [[Double]], rows: [Int], columns: [Int],
                                   limit: Double) -> [(Int, Int)] {
        let r = rows.count, c = columns.count, n = r + c
        let forbidden = 2 * limit + 1e6  // dearer than leaving both unmatched
        var matrix = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                switch (i < r, j < c) {
                case (true, true):
                    let value = cost[rows[i]][columns[j]]
                    matrix[i * n + j] = value <= limit ? value : forbidden
                case (true, false): matrix[i * n + j] = j - c == i ? limit / 2 : forbidden
                case (false, true): matrix[i * n + j] = i - r == j ? limit / 2 : forbidden
                case (false, false): matrix[i * n + j] = 0
                }
            }
        }
        let assigned = hungarian(size: n, cost: matrix)
        return (0..<r).compactMap { i in
            let j = assigned[i]
            return j < c && cost[rows[i]][columns[j]] <= limit ? (rows[i], columns[j]) : nil
        }
    }

    /// Minimum-cost perfect assignment of an n x n matrix (row-major): the column of each row. O(n³).
    /// Internal: the tests' MOTChallenge-style scorer solves its pairings with it too.
    static func hungarian(size n: Int, cost: [Double]) -> [Int] {
        // Potentials u (rows) and v (columns), 1-based with a virtual column 0 (e-maxx's formulation).
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: n + 1)
        var rowOfColumn = [Int](repeating: 0, count: n + 1)
        var way = [Int](repeating: 0, count: n + 1)
        for row in 1...n {
            rowOfColumn[0] = row
            var column0 = 0
            var minimum = [Double](repeating: .infinity, count: n + 1)
            var used = [Bool](repeating: false, count: n + 1)
            repeat {
                used[column0] = true
                let row0 = rowOfColumn[column0]
                var delta = Double.infinity
                var column1 = 0
                for column in 1...n where !used[column] {
                    let reduced = cost[(row0 - 1) * n + column - 1] - u[row0] - v[column]
                    if reduced < minimum[column] {
                        minimum[column] = reduced
                        way[column] = column0
                    }
                    if minimum[column] < delta {
                        delta = minimum[column]
                        column1 = column
                    }
                }
                for column in 0...n {
                    if used[column] {
                        u[rowOfColumn[column]] += delta
                        v[column] -= delta
                    } else {
                        minimum[column] -= delta
                    }
                }
                column0 = column1
            } while rowOfColumn[column0] != 0
            repeat {
                let previous = way[column0]
                rowOfColumn[column0] = rowOfColumn[previous]
                column0 = previous
            } while column0 != 0
        }
        var columnOfRow = [Int](repeating: 0, count: n)
        for column in 1...n where rowOfColumn[column] > 0 { columnOfRow[rowOfColumn[column] - 1] = column - 1 }
        return columnOfRow
    }
}

import Foundation

/// YOLOX's raw output read as boxes: the model gives, for every cell of three grids (strides 8, 16
/// and 32 over the square input, finest first, row by row), `[dx, dy, log w, log h, objectness,
/// class probabilities...]`. A cell's box centre is `(d + cell) * stride` and its size
/// `exp(log size) * stride`, in input pixels; a class's score is objectness times its probability
/// (YOLOX's `demo_postprocess`).
struct YOLOXGrid: Sendable {
    static let strides = [8, 16, 32]

    struct Cell: Sendable {
        var column: Float
        var row: Float
        var stride: Float
    }

    let inputSize: Int
    let cells: [Cell]

    init(inputSize: Int) {
        self.inputSize = inputSize
        var cells: [Cell] = []
        for stride in Self.strides {
            let side = inputSize / stride
            for row in 0..<side {
                for column in 0..<side {
                    cells.append(Cell(column: Float(column), row: Float(row), stride: Float(stride)))
                }
            }
        }
        self.cells = cells
    }

    /// A candidate before non-maximum suppression: the box in input pixels.
    struct Candidate: Sendable, Equatable {
        var box: Box
        var score: Float
        var classID: Int
        /// The grid cell it came from: ties in score are broken by it, so the order is fixed.
        var cell: Int
    }

    /// Every (cell, class) whose score is at least `threshold` and whose class `keep` allows
    /// (nil: every class). `output` is cells x (5 + classes), row-major.
    func candidates(_ output: UnsafeBufferPointer<Float>, classCount: Int, threshold: Float,
                    keep: [Bool]?) -> [Candidate] {
        let width = 5 + classCount
        precondition(output.count == cells.count * width, "YOLOX output of another size than its grid")
        var found: [Candidate] = []
        for (index, cell) in cells.enumerated() {
            let row = index * width
            let objectness = output[row + 4]
            // A class probability is at most 1: a cell whose objectness is under the threshold has no
            // class over it (this skips nearly every cell).
            guard objectness >= threshold else { continue }
            var box: Box?
            for classID in 0..<classCount where keep?[classID] ?? true {
                let score = objectness * output[row + 5 + classID]
                guard score >= threshold else { continue }
                if box == nil {
                    let centerX = (output[row] + cell.column) * cell.stride
                    let centerY = (output[row + 1] + cell.row) * cell.stride
                    let width = exp(output[row + 2]) * cell.stride
                    let height = exp(output[row + 3]) * cell.stride
                    box = Box(left: Double(centerX - width / 2), top: Double(centerY - height / 2),
                              right: Double(centerX + width / 2), bottom: Double(centerY + height / 2))
                }
                found.append(Candidate(box: box!, score: score, classID: classID, cell: index))
            }
        }
        return found
    }
}

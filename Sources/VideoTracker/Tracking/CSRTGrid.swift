/// The square grid of cells on which CSRT learns its filter, and the padding that makes it cheap.
///
/// CSRT (OpenCV 4.6) works on an n x n grid of feature cells around the target, n set by the
/// box size and `padding`, and runs about 250 two-dimensional DFTs of that size per update, so a
/// box whose grid lands on a slow size (`DFTSize`) costs up to twice as much to track: vtest
/// person 9 (28 x 77, n = 47) 47 ms an update, with n = 48 25 ms. csrt-fast raises `padding` by
/// the least amount (at most 10%) that gives a fast n: the search window grows by a few pixels
/// and the tracker is otherwise the same (mean IoU over 55 pedestrian tracks: see the README).
///
/// The formulas mirror `TrackerCSRTImpl::init` in OpenCV 4.6; should they drift, only speed is
/// affected, never results' validity.
struct CSRTGrid: Equatable {
    /// The grid's side in cells.
    let side: Int
    /// Pixels a cell covers, 1 to 4, chosen by OpenCV from the box area.
    let cellSize: Int

    /// OpenCV's defaults.
    static let defaultPadding: Float = 3
    static let defaultTemplateSize: Float = 200

    init(side: Int, cellSize: Int) {
        self.side = side
        self.cellSize = cellSize
    }

    /// The grid for a box of `width` x `height` whole pixels (the shim rounds the box so).
    init(width: Int, height: Int, padding: Float, templateSize: Float = CSRTGrid.defaultTemplateSize) {
        let w = Float(width), h = Float(height)
        cellSize = Int(min(4, max(1, (Double(w * h) / 400).rounded(.up))))
        let context = padding * (w * h).squareRoot()
        let templateSide = ((w + context).rounded(.down) + (h + context).rounded(.down)) / 2
        let rescale = min(1, (templateSize * templateSize / (templateSide * templateSide)).squareRoot())
        side = Int((templateSide * rescale).rounded(.down)) / cellSize
    }


    /// The least padding from `requested` up (by at most 10%, in steps of 0.01) whose grid side
    /// is a fast DFT size; `requested` itself when it already is one or when none is found.
    /// Upwards only, as OpenCV's own `getOptimalDFTSize` rounds: a little more context, never less.
    static func padding(from requested: Float, width: Int, height: Int,
                        templateSize: Float = defaultTemplateSize) -> Float {
        guard width > 0, height > 0, requested > 0 else { return requested }
        let steps = Int((requested * 0.1 / 0.01).rounded(.down))
        for step in 0...steps {
            let candidate = requested + Float(step) * 0.01
            if DFTSize.isFast(CSRTGrid(width: width, height: height, padding: candidate, templateSize: templateSize).side) {
                return candidate
            }
        }
        return requested
    }
}

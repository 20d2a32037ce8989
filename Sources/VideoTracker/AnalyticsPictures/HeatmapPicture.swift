import Foundation

/// A heatmap drawn over a canvas (`AnalyticsCanvas`): each grid cell with positions in it filled
/// with a colour of a blue → cyan → green → yellow → red ramp, at `opacity` over what is beneath;
/// cells without positions are left as they are.
///
/// The ramp is on a log scale, ln(1 + count) / ln(1 + the largest count): positions pile up where
/// people stand still (a queue, a bench), hundreds of times more than where they walk by, and on
/// a linear ramp every walked path would be the same cold blue. The largest count is red.
public struct HeatmapPicture: Sendable {
    public struct Cell: Sendable, Equatable {
        /// floor(x / cell side), floor(y / cell side) of the positions counted.
        public var column: Int64
        public var row: Int64
        public var count: Int

        public init(column: Int64, row: Int64, count: Int) {
            self.column = column
            self.row = row
            self.count = count
        }
    }

    /// The ramp's stops, coolest first.
    public static let ramp: [BoxColor] = [0x0000FF, 0x00FFFF, 0x00FF00, 0xFFFF00, 0xFF0000].map(BoxColor.init(hex:))
    /// How much of a cell's colour covers what is beneath: the frame still shows through.
    public static let opacity = 0.6

    /// The cell's side in pixels.
    public let cellSide: Int
    public let cells: [Cell]

    public init(cellSide: Int, cells: [Cell]) {
        self.cellSide = max(1, cellSide)
        self.cells = cells
    }

    /// The ramp's colour at `fraction` (0: coolest, 1: hottest), between stops linearly.
    public static func color(at fraction: Double) -> BoxColor {
        let position = min(1, max(0, fraction)) * Double(ramp.count - 1)
        let lower = min(ramp.count - 2, Int(position))
        let part = position - Double(lower)
        let a = ramp[lower], b = ramp[lower + 1]
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) + (Double(y) - Double(x)) * part).rounded()) }
        return BoxColor(red: mix(a.red, b.red), green: mix(a.green, b.green), blue: mix(a.blue, b.blue))
    }

    /// Where `count` stands on the ramp when the hottest cell has `largest`.
    public static func fraction(count: Int, largest: Int) -> Double {
        guard largest > 0, count > 0 else { return 0 }
        return log1p(Double(count)) / log1p(Double(largest))
    }

    /// Fills the cells into `canvas` in place; the parts of cells outside it are left out.
    public func draw(on canvas: FrameBuffer) {
        let largest = cells.map(\.count).max() ?? 0
        let side = Int64(cellSide)
        // Fixed point: the blend is (colour * cover + beneath * (256 - cover)) / 256.
        let cover = Int((Self.opacity * 256).rounded())
        for cell in cells where cell.count > 0 {
            let left = max(0, cell.column * side), right = min(Int64(canvas.width), (cell.column + 1) * side)
            let top = max(0, cell.row * side), bottom = min(Int64(canvas.height), (cell.row + 1) * side)
            guard left < right, top < bottom else { continue }
            let color = Self.color(at: Self.fraction(count: cell.count, largest: largest))
            let blue = Int(color.blue) * cover, green = Int(color.green) * cover, red = Int(color.red) * cover
            for y in Int(top)..<Int(bottom) {
                let pixels = (canvas.pixels + y * canvas.bytesPerRow).assumingMemoryBound(to: UInt8.self)
                for x in Int(left)..<Int(right) {
                    pixels[3 * x] = UInt8((blue + Int(pixels[3 * x]) * (256 - cover) + 128) >> 8)
                    pixels[3 * x + 1] = UInt8((green + Int(pixels[3 * x + 1]) * (256 - cover) + 128) >> 8)
                    pixels[3 * x + 2] = UInt8((red + Int(pixels[3 * x + 2]) * (256 - cover) + 128) >> 8)
                }
            }
        }
    }
}

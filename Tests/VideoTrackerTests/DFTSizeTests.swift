import Testing
@testable import VideoTracker

@Suite("Transform sizes for csrt-fast (no video needed)")
struct DFTSizeTests {
    @Test("fast sizes are the products of 2, 3 and 5")
    func fastSizes() {
        #expect([1, 2, 30, 32, 36, 40, 45, 48, 50, 64].allSatisfy(DFTSize.isFast))
        #expect(![0, -4, 7, 31, 34, 37, 44, 47, 49].contains(where: DFTSize.isFast))
    }

    @Test("CSRT's grid side follows OpenCV's formula: cell size from the area, the template capped at 200 px")
    func gridSide() {
        // vtest person 9 (28 x 77): cells of 4 px; 28 + 3 * sqrt(28 * 77) = 167.9, 77 + that = 216.9,
        // so a (167 + 216) / 2 = 191.5 px template, 47 cells: a prime.
        #expect(CSRTGrid(width: 28, height: 77, padding: 3) == CSRTGrid(side: 47, cellSize: 4))
        // Crossing (17 x 50): 3 px cells.
        #expect(CSRTGrid(width: 17, height: 50, padding: 2).cellSize == 3)
        // A large box is scaled down to a 200 px template: 200 / 4 = 50 cells whatever its size.
        #expect(CSRTGrid(width: 120, height: 300, padding: 3).side == 50)
        // Tiny boxes use 1 px cells.
        #expect(CSRTGrid(width: 10, height: 20, padding: 3).cellSize == 1)
    }

    @Test("csrt-fast raises padding 2 to the least value with a fast grid, by at most 10%",
          arguments: [(22, 70), (23, 80), (28, 77), (31, 75), (17, 50), (60, 160), (5, 9)])
    func paddingRaised(_ width: Int, _ height: Int) {
        let padding = CSRTGrid.padding(from: 2, width: width, height: height)
        #expect(padding >= 2 && padding <= 2.2 + 1e-4)
        let side = CSRTGrid(width: width, height: height, padding: padding).side
        if padding > 2 {
            #expect(DFTSize.isFast(side), "\(width)x\(height): padding \(padding) gives \(side)")
            // Nothing smaller would have done.
            #expect(!DFTSize.isFast(CSRTGrid(width: width, height: height, padding: padding - 0.01).side))
        } else {
            // Kept: either already fast or nothing fast within reach.
            let atTenPercent = CSRTGrid(width: width, height: height, padding: 2.2).side
            #expect(DFTSize.isFast(side) || (CSRTGrid(width: width, height: height, padding: 2).side...atTenPercent).allSatisfy { !DFTSize.isFast($0) })
        }
    }

    @Test("csrt keeps OpenCV's parameters; csrt-fast sets padding, scales and ADMM iterations")
    func tuning() throws {
        let person12 = Box(x: 520, y: 149, width: 22.96, height: 70.23)
        #expect(TrackerKind.csrt.csrtTuning(for: person12) == nil)
        #expect(TrackerKind.kcf.csrtTuning(for: person12) == nil)
        let fast = try #require(TrackerKind.csrtFast.csrtTuning(for: person12))
        // 23 x 70 at padding 2 gives 31 cells (a prime); 32 needs padding 2.05.
        #expect(CSRTGrid(width: 23, height: 70, padding: 2).side == 31)
        #expect(abs(fast.padding - 2.05) < 1e-4 && CSRTGrid(width: 23, height: 70, padding: fast.padding).side == 32)
        #expect(fast.number_of_scales == 17 && fast.admm_iterations == 2)
        #expect(fast.template_size == 0 && fast.hog_channels == 0 && fast.use_segmentation == -1 && fast.use_color_names == -1)
    }
}

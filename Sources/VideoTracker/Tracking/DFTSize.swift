/// Transform sizes OpenCV's DFT is quick at.
///
/// OpenCV's DFT has fast butterflies for the factors 2, 3 and 5 and a generic O(p²) one for any
/// other prime p, and neither CSRT nor KCF rounds its window to a good size. Measured on
/// Debian's OpenCV 4.6 (a real n x n forward and inverse pair): 48 takes 21 µs, 47 (prime)
/// 131 µs; 45 takes 32 µs, 43 95 µs. A tracker whose window lands on such a size costs up to
/// twice as much per update as one a pixel wider.
enum DFTSize {
    /// True when `n` has no prime factor above 5.
    static func isFast(_ n: Int) -> Bool {
        guard n > 0 else { return false }
        var rest = n
        for factor in [2, 3, 5] {
            while rest % factor == 0 { rest /= factor }
        }
        return rest == 1
    }
}

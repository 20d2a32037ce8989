/// How `VideoEncoder` compresses (libx264, constant quality).
public struct EncoderOptions: Sendable, Equatable {
    /// x264's presets, fastest first.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                 "slower", "veryslow", "placebo"]

    /// x264's speed against size. The default, `veryfast`, measured on this project's 2-core
    /// machine while busy (load 9), encoding decoded frames held in memory: 80 fps at 768x576 and
    /// 15 fps at 1920x1080, against superfast's 120 and 19 and ultrafast's 180 and 40 (medium:
    /// 31 and 5.5). At crf 23 it writes the smallest files of them all (vtest: 4.4 MB against
    /// superfast's 7.5 and ultrafast's 12.7) for nearly the same picture (SSIM 0.981 / 0.985 / 0.983).
    public var preset: String
    /// Constant rate factor, 0 (lossless) ... 51: 23 is x264's default, clean at these sizes.
    public var crf: Double
    /// Encoder threads; 0 lets x264 choose (1.5 per core).
    public var threads: Int

    public init(preset: String = "veryfast", crf: Double = 23, threads: Int = 0) {
        self.preset = preset
        self.crf = crf
        self.threads = threads
    }
}

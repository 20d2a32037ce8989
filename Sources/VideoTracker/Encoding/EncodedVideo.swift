/// What `VideoEncoder.finish` wrote.
public struct EncodedVideo: Sendable, Equatable {
    public var path: String
    /// One for every `write`.
    public var frames: Int
    /// The encoded size: the frames' size made even (see `VideoEncoder`).
    public var width: Int
    public var height: Int
    public var frameRate: FrameRate
    public var audio: AudioCopy
}

/// What became of the source's audio.
public enum AudioCopy: Sendable, Equatable {
    /// No source was given, or it has no audio stream: the file has no audio track.
    case none
    /// The source's audio packets, copied as they were (`codec` as libav names it: `aac`, `mp3`).
    case copied(codec: String, packets: Int)
    /// The source has audio that MP4 cannot carry without re-encoding (PCM, Vorbis...); the file
    /// has no audio track, and `reason` says why.
    case leftOut(reason: String)
}

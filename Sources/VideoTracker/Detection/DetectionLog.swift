/// A whole video's detections with what the outputs need to describe it: the answer of
/// `video-tracker detect` and of a detection job, written out as JSON, MOT rows or COCO.
public struct DetectionLog: Sendable, Equatable {
    public struct Video: Sendable, Equatable {
        public var width: Int
        public var height: Int
        /// Frames per second as the container gives it (0 when unknown).
        public var framesPerSecond: Double
        /// A name for the video in the outputs (COCO's `file_name`): the upload's or URL's last part.
        public var name: String

        public init(width: Int, height: Int, framesPerSecond: Double, name: String) {
            self.width = width
            self.height = height
            self.framesPerSecond = framesPerSecond
            self.name = name
        }
    }

    public var video: Video
    /// Class names by class id (COCO's 80 for YOLOX-Nano).
    public var classNames: [String]
    /// Every decoded frame in order, skipped ones with `detections == nil`.
    public var frames: [DetectedFrame]

    public init(video: Video, classNames: [String], frames: [DetectedFrame] = []) {
        self.video = video
        self.classNames = classNames
        self.frames = frames
    }
}

/// A camera as the database keeps it: the stream it reads (or none: a camera that only receives
/// imported tracks), what it detects, where it stands, and which replica processes it (the lease).
public struct CameraRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case connecting, live, reconnecting, ended, failed, paused, idle
    }

    /// Random, lowercase letters and digits (`JobRecord.makeID()`): safe in URLs.
    public var id: String
    public var name: String
    /// nil: the camera only receives imported tracks; nobody claims it.
    public var url: String?
    /// COCO class names to keep, e.g. ["person"].
    public var classes: [String]
    /// Frames a second taken from the stream (and the analytics' frame rate); nil: the stream's own.
    public var fps: Double?
    /// Detect on every n-th processed frame.
    public var everyFrames: Int
    public var paused: Bool
    public var status: Status
    public var statusReason: String?
    /// The replica processing it, and until when (ms since 1970); nil when nobody.
    public var leaseOwner: String?
    public var leaseExpiresAt: Int64?
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String = JobRecord.makeID(), name: String, url: String?, classes: [String], fps: Double?,
                everyFrames: Int = 1, paused: Bool = false, createdAt: Int64 = JobClock.now()) {
        self.id = id
        self.name = name
        self.url = url
        self.classes = classes
        self.fps = fps
        self.everyFrames = everyFrames
        self.paused = paused
        self.status = paused ? .paused : .idle
        self.statusReason = nil
        self.leaseOwner = nil
        self.leaseExpiresAt = nil
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// What a PATCH of a camera may change; nil fields stay as they are.
public struct CameraChanges: Sendable, Equatable {
    public var name: String?
    /// .some(nil) makes it an import-only camera.
    public var url: String??
    public var classes: [String]?
    /// .some(nil): the stream's own rate.
    public var fps: Double??
    public var everyFrames: Int?
    public var paused: Bool?

    public init(name: String? = nil, url: String?? = nil, classes: [String]? = nil, fps: Double?? = nil,
                everyFrames: Int? = nil, paused: Bool? = nil) {
        self.name = name
        self.url = url
        self.classes = classes
        self.fps = fps
        self.everyFrames = everyFrames
        self.paused = paused
    }

    /// Whether the processing has to start again (the lease is dropped so its holder stops).
    var changesProcessing: Bool {
        url != nil || classes != nil || fps != nil || everyFrames != nil || paused != nil
    }
}

/// How a model is compiled for the CPU.
public struct InferenceOptions: Sendable, Hashable {
    /// The arithmetic the CPU runs a model in.
    public enum Precision: String, Sendable, CaseIterable {
        /// Full single precision: what the trackers use (bf16 cost NanoTrack 0.02 mean IoU here).
        case f32
        /// bfloat16 where the CPU has it (AMX, AVX-512 BF16): about twice as fast, less exact.
        case bf16
    }

    /// What the CPU plugin optimises for.
    public enum Mode: String, Sendable, CaseIterable {
        /// One stream per core: many requests in flight at once each run on a core of their own
        /// (the service: many trackers and requests at once).
        case throughput
        /// One stream over all cores: a single request finishes soonest.
        case latency
    }

    public var precision: Precision
    public var mode: Mode
    /// Threads OpenVINO may use for this model; nil leaves it to the plugin (all cores).
    public var threads: Int?
    /// A folder where OpenVINO keeps compiled models, so a new process imports instead of compiling
    /// (what `run` per request, as the platform adapter does, pays at every start).
    public var cacheDirectory: String?

    public init(precision: Precision = .f32, mode: Mode = .throughput, threads: Int? = nil, cacheDirectory: String? = nil) {
        self.precision = precision
        self.mode = mode
        self.threads = threads
        self.cacheDirectory = cacheDirectory
    }

    /// The CPU plugin's property names and values.
    var properties: [(key: String, value: String)] {
        var properties = [("INFERENCE_PRECISION_HINT", precision.rawValue),
                          ("PERFORMANCE_HINT", mode == .throughput ? "THROUGHPUT" : "LATENCY")]
        if let threads { properties.append(("INFERENCE_NUM_THREADS", String(threads))) }
        if let cacheDirectory { properties.append(("CACHE_DIR", cacheDirectory)) }
        return properties
    }
}

import ArgumentParser
import VideoTracker

/// Where videos may be fetched from and how long to wait on them: the same flags for
/// `serve`, `run`, `decode` and `detect`.
struct UpstreamOptions: ParsableArguments {
    @Flag(help: "Allow fetching videos from loopback, private and link-local addresses.")
    var allowPrivateNetworks = false
    @Option(name: .customLong("allow-host"), help: "Only fetch videos from this host (repeatable; '.example.com' allows its subdomains).")
    var allowedHosts: [String] = []
    @Option(help: "Seconds to wait for the video server to accept a connection.") var connectTimeout = 10
    @Option(help: "Seconds without a byte from the video server before a transfer is abandoned.") var stallTimeout = 15

    var destinations: DestinationPolicy {
        DestinationPolicy(allowPrivateNetworks: allowPrivateNetworks, allowedHosts: allowedHosts)
    }

    /// The bytes of `url`: fetched with these settings when it is http(s), else a local file.
    func source(for url: String) throws -> ByteSource {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { return try FileByteSource(path: url) }
        var options = HTTPSourceOptions()
        options.destinations = destinations
        options.connectTimeoutSeconds = connectTimeout
        options.stallTimeoutSeconds = stallTimeout
        return try HTTPByteSource(url: url, options: options)
    }
}

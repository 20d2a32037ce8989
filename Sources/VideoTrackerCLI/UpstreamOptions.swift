import ArgumentParser
import VideoTracker

/// Where videos may be fetched from and how long to wait on them: the same flags for
/// `serve`, `run` and `decode`.
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
}

import Foundation
import VideoTracker
#if canImport(Glibc)
import Glibc
#endif

/// A camera's stream URL against the service's destination policy: the host allow-list, and no
/// loopback or private address unless `--allow-private-networks`. libavformat opens the stream
/// itself, so unlike a video fetch (checked at libcurl's socket) this is checked on the addresses
/// the host resolves to when the camera is added: a name that later resolves elsewhere is not caught.
enum StreamDestination {
    static func refusal(for url: String, policy: DestinationPolicy) async -> String? {
        guard let host = DestinationPolicy.host(of: url) else { return "the url has no host" }
        if !policy.allowedHosts.isEmpty {
            let lower = host.lowercased()
            let allowed = policy.allowedHosts.contains { $0.hasPrefix(".") ? lower.hasSuffix($0) : lower == $0 }
            if !allowed { return "the host \(host) is not on the service's allow-list" }
        }
        guard !policy.allowPrivateNetworks else { return nil }
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else {
            // getaddrinfo blocks: on a thread of its own.
            addresses = (try? await onOwnThread(name: "resolve") { resolve(host) }) ?? []
            if addresses.isEmpty { return "the host \(host) does not resolve" }
        }
        for address in addresses {
            if let refusal = policy.refusal(for: address) { return refusal }
        }
        return nil
    }

    private static func resolve(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0,
                           NI_NUMERICHOST) == 0, let address = IPAddress(String(cString: text)) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}

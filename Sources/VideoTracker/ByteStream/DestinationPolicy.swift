#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the service may fetch videos from. The check runs on the address libcurl actually
/// connects to (see `cvt_curl_set_address_guard`), so DNS rebinding and redirects cannot slip past.
public struct DestinationPolicy: Sendable {
    /// Loopback, private, link-local and the like are refused unless this is set.
    public var allowPrivateNetworks: Bool
    /// When not empty, only these hosts may be fetched from: "cdn.example.com" matches that
    /// host, ".example.com" any host under it.
    public var allowedHosts: [String]

    public init(allowPrivateNetworks: Bool = false, allowedHosts: [String] = []) {
        self.allowPrivateNetworks = allowPrivateNetworks
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
    }

    /// Nil when the URL may be fetched (http or https, an allowed host); otherwise why not.
    /// Checked on the request URL and again on every redirect.
    public func refusal(forURL url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "only http and https URLs are fetched"
        }
        guard !allowedHosts.isEmpty else { return nil }
        guard let host = Self.host(of: lower) else { return "the URL has no host" }
        let allowed = allowedHosts.contains { pattern in
            pattern.hasPrefix(".") ? host.hasSuffix(pattern) : host == pattern
        }
        return allowed ? nil : "the host \(host) is not on the service's allow-list"
    }

    /// The host of a URL (http(s), and the stream schemes alike): after "://", before the path,
    /// without user info, port or an IPv6 address's brackets.
    public static func host(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        var authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        let host = authority.prefix { $0 != ":" }
        return host.isEmpty ? nil : String(host)
    }

    /// Nil when the address may be used; otherwise the name of the range that forbids it.
    public func refusal(for address: IPAddress) -> String? {
        guard !allowPrivateNetworks else { return nil }
        return address.restrictedRange
    }
}

/// An IPv4 or IPv6 address, as bytes.
public enum IPAddress: Sendable, Equatable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Parses the textual forms inet_pton accepts ("10.0.0.1", "fd00::1", "::ffff:10.0.0.1").
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let address = UnsafeRawPointer(socketAddress).load(as: sockaddr_in.self)
            self = .v4(UInt32(bigEndian: address.sin_addr.s_addr))
        case AF_INET6:
            var address = UnsafeRawPointer(socketAddress).load(as: sockaddr_in6.self)
            self = .v6(withUnsafeBytes(of: &address.sin6_addr) { Array($0) })
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xff) }.joined(separator: ".")
        case .v6(let bytes):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            return inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil
                ? String(cText: text) : "?"
        }
    }

    /// The name of the non-public range holding this address, or nil for a public address.
    public var restrictedRange: String? {
        switch self {
        case .v4(let value):
            return Self.v4Ranges.first { value & $0.mask == $0.network }?.name
        case .v6(let bytes):
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms are judged as the IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return IPAddress.v4(Self.lastFour(bytes)).restrictedRange
            }
            if bytes.allSatisfy({ $0 == 0 }) { return "unspecified" }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "loopback" }
            if bytes[0] & 0xfe == 0xfc { return "unique local (fc00::/7)" }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "link-local (fe80::/10)" }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0xc0 { return "site-local (fec0::/10)" }
            if bytes[0] == 0xff { return "multicast" }
            if bytes[0..<12].allSatisfy({ $0 == 0 }) { return IPAddress.v4(Self.lastFour(bytes)).restrictedRange }
            // NAT64 (64:ff9b::/96) carries an IPv4 address in its last four bytes.
            if bytes[0..<12] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0][...] {
                return IPAddress.v4(Self.lastFour(bytes)).restrictedRange
            }
            return nil
        }
    }

    private static func lastFour(_ bytes: [UInt8]) -> UInt32 {
        bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private struct Range {
        let network: UInt32
        let mask: UInt32
        let name: String
        init(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ prefix: UInt32, _ name: String) {
            network = a << 24 | b << 16 | c << 8 | d
            mask = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
            self.name = name
        }
    }

    private static let v4Ranges: [Range] = [
        Range(0, 0, 0, 0, 8, "unspecified (0.0.0.0/8)"),
        Range(127, 0, 0, 0, 8, "loopback (127.0.0.0/8)"),
        Range(10, 0, 0, 0, 8, "private (10.0.0.0/8)"),
        Range(172, 16, 0, 0, 12, "private (172.16.0.0/12)"),
        Range(192, 168, 0, 0, 16, "private (192.168.0.0/16)"),
        Range(169, 254, 0, 0, 16, "link-local (169.254.0.0/16)"),
        Range(100, 64, 0, 0, 10, "carrier-grade NAT (100.64.0.0/10)"),
        Range(192, 0, 0, 0, 24, "IETF protocol assignments (192.0.0.0/24)"),
        Range(198, 18, 0, 0, 15, "benchmarking (198.18.0.0/15)"),
        Range(224, 0, 0, 0, 4, "multicast (224.0.0.0/4)"),
        Range(240, 0, 0, 0, 4, "reserved (240.0.0.0/4)"),
    ]
}

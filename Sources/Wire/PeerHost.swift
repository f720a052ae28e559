#if canImport(Glibc)
import Glibc
#endif

/// The unit the per-peer stream limit counts by: the peer's host, with an IPv6 peer's
/// whole /64 as one host (one machine is routinely handed a /64, so counting single
/// addresses would let it open streams from 2^64 of them).
public enum PeerHost {
    /// "ipv4:10.0.0.2:53122" → "ipv4:10.0.0.2"; "ipv6:[2001:db8::7]:5000" → "ipv6:[2001:db8::]/64";
    /// an IPv4-mapped IPv6 peer counts as its IPv4 host; unix peers and anything
    /// unparsable stay as they are.
    public static func of(peer: String) -> String {
        if peer.hasPrefix("ipv4:"), let colon = peer.lastIndex(of: ":"), colon > peer.index(peer.startIndex, offsetBy: 4) {
            return String(peer[..<colon])
        }
        guard peer.hasPrefix("ipv6:["), let close = peer.lastIndex(of: "]") else { return peer }
        let address = String(peer[peer.index(peer.startIndex, offsetBy: 6)..<close])
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return peer }
        return withUnsafeMutableBytes(of: &bytes) { raw -> String in
            let isMappedIPv4 = raw[0..<10].allSatisfy { $0 == 0 } && raw[10] == 0xFF && raw[11] == 0xFF
            if isMappedIPv4 { return "ipv4:\(raw[12]).\(raw[13]).\(raw[14]).\(raw[15])" }
            for index in 8..<16 { raw[index] = 0 }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, raw.baseAddress, &text, socklen_t(text.count)) != nil else { return peer }
            return "ipv6:[\(String(cString: text))]/64"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Why the gRPC core could not listen on an address: the core only says it failed, so
/// the address is bound once more here, with a plain socket, to learn the system's reason.
enum ListenFailure {
    /// "address in use", "no such local address", … or what else could be wrong.
    static func explain(_ address: String) -> String {
        if address.hasPrefix("unix:") { return explainUnix(String(address.dropFirst(5))) }
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            return "not a host:port address"
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return bindReason(host: host, port: port) ?? "the gRPC core refused it, though the system can bind it"
    }

    /// The system's reason a TCP bind to host:port fails, or nil if it succeeds.
    private static func bindReason(host: String, port: UInt16) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &found)
        guard lookup == 0, let info = found else { return "cannot resolve host '\(host)'" }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            let reason = String(cString: strerror(errno))
            return errno == EACCES ? "\(reason) (ports below 1024 need privileges)" : reason
        }
        return nil
    }

    private static func explainUnix(_ path: String) -> String {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty, access(directory, W_OK) != 0 {
            return "its directory \(directory): \(String(cString: strerror(errno)))"
        }
        if access(path, F_OK) == 0 { return "\(path) exists (another server's socket, or a stale one to remove)" }
        return "the gRPC core refused the socket path"
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Threading

/// A minimal HTTP/1.1 responder for Prometheus: `GET /metrics` answers the exposition text
/// `render` returns; anything else 404. One thread, one request per connection (Prometheus
/// opens a connection per scrape or keeps one alive: both work), requests capped at 8 KB
/// and 2 s, so a slow or hostile client holds it up for 2 s at most. Loopback by default.
public final class MetricsHTTPServer: @unchecked Sendable {
    // `listener` is written in init; the thread owns the accepted sockets.
    private let listener: Int32
    public let port: Int
    private let render: @Sendable () -> String
    private let stopping = Atomic(false)
    private var thread: OSThread?

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds `host:port` (port 0: any free one; see `port`).
    public init(host: String, port: Int, render: @escaping @Sendable () -> String) throws(Failure) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
            throw Failure(description: "--metrics-address: cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "--metrics-address: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "--metrics-address \(host):\(port): \(reason)")
        }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: withUnsafeBytes(of: &address) { $0.load(fromByteOffset: 2, as: UInt16.self) }))
        listener = fd
        self.render = render
    }

    public func start() {
        thread = OSThread(name: "seedrl-metrics") { [self] in serve() }
    }

    public func stop() {
        stopping.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        thread?.join()
        close(listener)
    }

    private func serve() {
        while !stopping.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE { usleep(100_000); continue }
                return  // shut down
            }
            respond(to: client)
            close(client)
        }
    }

    private func respond(to client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8](repeating: 0, count: 8192)
        var received = 0
        while received < request.count {
            let count = request.withUnsafeMutableBytes { recv(client, $0.baseAddress! + received, $0.count - received, 0) }
            if count <= 0 { break }
            received += count
            if request[..<received].withUnsafeBytes({ Self.headersEnd($0) }) { break }
        }
        let line = String(decoding: request[..<received].prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let response: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            let body = render()
            response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        } else {
            let body = "seedrl serves /metrics\n"
            response = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        }
        var bytes = Array(response.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeMutableBytes { send(client, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            sent += count
        }
    }

    private static func headersEnd(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return false }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return true
        }
        return false
    }
}

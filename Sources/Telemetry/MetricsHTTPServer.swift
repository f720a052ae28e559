#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Threading

/// A minimal HTTP/1.1 responder for Prometheus: `GET /metrics` answers the exposition text
/// `render` returns; anything else 404. Loopback by default.
///
/// One thread runs a `poll` loop over the listener and up to `maxClients` connections,
/// none of them ever blocking it: each exchange (request in, response out) has one
/// deadline of `exchangeSeconds` from its accept, so a client that trickles a byte a
/// second is dropped when its time is up while other scrapes are answered meanwhile, and
/// `stop` wakes the loop through a pipe and never waits on a client. Requests are capped
/// at 8 KB. (A full HTTP library was weighed: SwiftNIO-based ones would add minutes to
/// every clean build on two cores for one endpoint.)
public final class MetricsHTTPServer: @unchecked Sendable {
    // `listener` and the wake pipe are written in init; the thread owns the connections.
    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    public let port: Int
    private let render: @Sendable () -> String
    private let maxClients: Int
    private let exchangeNanoseconds: UInt64
    private let stopping = Atomic(false)
    private var thread: OSThread?

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds `host:port` (port 0: any free one; see `port`).
    public init(host: String, port: Int, maxClients: Int = 16, exchangeSeconds: Double = 2,
                render: @escaping @Sendable () -> String) throws(Failure) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
            throw Failure(description: "--metrics-address: cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        let flags = Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | flags, 0)
        guard fd >= 0 else { throw Failure(description: "--metrics-address: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "--metrics-address \(host):\(port): \(reason)")
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            close(fd)
            throw Failure(description: "--metrics-address: pipe: \(String(cString: strerror(errno)))")
        }
        for end in pipeEnds { Self.makeNonBlockingAndCloseOnExec(end) }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: withUnsafeBytes(of: &address) { $0.load(fromByteOffset: 2, as: UInt16.self) }))
        listener = fd
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        self.render = render
        self.maxClients = max(maxClients, 1)
        exchangeNanoseconds = UInt64(max(exchangeSeconds, 0.001) * 1e9)
    }

    public func start() {
        thread = OSThread(name: "seedrl-metrics") { [self] in serve() }
    }

    /// Stops serving: open exchanges are dropped, not waited for. Idempotent.
    public func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        thread?.join()
        thread = nil
        close(listener)
        close(wakeRead)
        close(wakeWrite)
    }

    /// One connection: its bytes so far, then its response, and when its time is up.
    private struct Exchange {
        let fd: Int32
        let deadline: UInt64
        var request: [UInt8] = []
        var response: [UInt8]? = nil
        var sent = 0
    }

    private func serve() {
        var exchanges: [Exchange] = []
        var fds: [pollfd] = []
        defer { exchanges.forEach { close($0.fd) } }
        while !stopping.load(ordering: .relaxed) {
            let now = MonotonicClock.now()
            exchanges.removeAll { exchange in
                guard exchange.deadline <= now else { return false }
                close(exchange.fd)  // out of time: a slow or silent client
                return true
            }
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            // A full house stops accepting until a slot frees (within one deadline).
            fds.append(pollfd(fd: exchanges.count < maxClients ? listener : -1, events: Int16(POLLIN), revents: 0))
            for exchange in exchanges {
                fds.append(pollfd(fd: exchange.fd, events: Int16(exchange.response == nil ? POLLIN : POLLOUT), revents: 0))
            }
            let nextDeadline = exchanges.map(\.deadline).min()
            let timeout = nextDeadline.map { Int32(clamping: ($0 - min($0, now)) / 1_000_000 + 1) } ?? 1000
            let ready = poll(&fds, nfds_t(fds.count), min(timeout, 1000))
            if ready < 0 && errno != EINTR { return }
            if ready <= 0 { continue }
            if fds[0].revents != 0 { return }  // stop() woke us
            for index in exchanges.indices.reversed() where fds[index + 2].revents != 0 {
                if !advance(&exchanges[index]) {
                    close(exchanges[index].fd)
                    exchanges.remove(at: index)
                }
            }
            if fds[1].revents != 0 { acceptAll(into: &exchanges) }
        }
    }

    private func acceptAll(into exchanges: inout [Exchange]) {
        while exchanges.count < maxClients {
            let client = accept(listener, nil, nil)
            if client < 0 { return }  // EAGAIN, or EMFILE and the like: try again on the next poll
            Self.makeNonBlockingAndCloseOnExec(client)
            exchanges.append(Exchange(fd: client, deadline: MonotonicClock.now() + exchangeNanoseconds))
        }
    }

    /// Reads or writes what the connection is ready for; false when it is done (answered,
    /// closed by the client, or refused).
    private func advance(_ exchange: inout Exchange) -> Bool {
        if exchange.response == nil {
            var buffer = [UInt8](repeating: 0, count: 2048)
            let count = buffer.withUnsafeMutableBytes { recv(exchange.fd, $0.baseAddress, $0.count, 0) }
            if count < 0 { return errno == EAGAIN || errno == EINTR }
            if count == 0 { return false }
            exchange.request += buffer[..<count]
            if Self.headersEnd(exchange.request) {
                exchange.response = respond(to: exchange.request)
            } else if exchange.request.count >= 8192 {
                exchange.response = Self.response("431 Request Header Fields Too Large", body: "request too large\n")
            } else {
                return true
            }
        }
        guard let response = exchange.response else { return true }
        let count = response.withUnsafeBytes {
            send(exchange.fd, $0.baseAddress! + exchange.sent, $0.count - exchange.sent, Int32(MSG_NOSIGNAL))
        }
        if count < 0 { return errno == EAGAIN || errno == EINTR }
        exchange.sent += count
        return exchange.sent < response.count
    }

    private func respond(to request: [UInt8]) -> [UInt8] {
        let line = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            return Self.response("200 OK", contentType: "text/plain; version=0.0.4; charset=utf-8", body: render())
        }
        return Self.response("404 Not Found", body: "seedrl serves /metrics\n")
    }

    private static func response(_ status: String, contentType: String = "text/plain", body: String) -> [UInt8] {
        Array(("HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + body).utf8)
    }

    private static func makeNonBlockingAndCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    private static func headersEnd(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return true
        }
        return false
    }
}

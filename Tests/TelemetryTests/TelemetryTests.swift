#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Telemetry
import Threading
import XCTest

final class TelemetryTests: XCTestCase {
    func testAHistogramCountsIntoCumulativeBucketsAndSumsInItsUnit() {
        let histogram = Histogram(bounds: [0.001, 0.01, 0.1], unit: 1e-9)  // nanoseconds exported as seconds
        for nanoseconds: UInt64 in [500_000, 1_000_000, 5_000_000, 50_000_000, 2_000_000_000] { histogram.observe(nanoseconds) }
        let (cumulative, count, sum) = histogram.snapshot()
        XCTAssertEqual(cumulative, [2, 3, 4, 5], "le 1 ms holds 0.5 ms and exactly 1 ms")
        XCTAssertEqual(count, 5)
        XCTAssertEqual(sum, 2.0565, accuracy: 1e-9)
    }

    func testTheTextFormatIsPrometheusExposition() {
        var text = PrometheusText()
        text.counter("seedrl_steps_served_total", "Actions served.", 42)
        text.counters("seedrl_invalid_steps_total", "Steps refused.", [([("reason", "observation \"size\"")], 3)])
        text.gauge("seedrl_mean_episode_return", "Last 100.", 21.5)
        let histogram = Histogram(bounds: [1, 2])
        histogram.observe(2)
        text.histogram("seedrl_inference_batch_rows", "Rows.", histogram)
        XCTAssertEqual(text.text, """
            # HELP seedrl_steps_served_total Actions served.
            # TYPE seedrl_steps_served_total counter
            seedrl_steps_served_total 42
            # HELP seedrl_invalid_steps_total Steps refused.
            # TYPE seedrl_invalid_steps_total counter
            seedrl_invalid_steps_total{reason="observation \\"size\\""} 3
            # HELP seedrl_mean_episode_return Last 100.
            # TYPE seedrl_mean_episode_return gauge
            seedrl_mean_episode_return 21.5
            # HELP seedrl_inference_batch_rows Rows.
            # TYPE seedrl_inference_batch_rows histogram
            seedrl_inference_batch_rows_bucket{le="1"} 0
            seedrl_inference_batch_rows_bucket{le="2"} 1
            seedrl_inference_batch_rows_bucket{le="+Inf"} 1
            seedrl_inference_batch_rows_sum 2
            seedrl_inference_batch_rows_count 1

            """)
    }

    /// A real HTTP exchange over loopback: /metrics answers the text, anything else 404.
    func testTheResponderServesMetricsOverHTTP() throws {
        let server = try MetricsHTTPServer(host: "127.0.0.1", port: 0) { "seedrl_up 1\n" }
        server.start()
        defer { server.stop() }
        XCTAssertEqual(try get("/metrics", port: server.port), "HTTP/1.1 200 OK|seedrl_up 1\n")
        XCTAssertTrue(try get("/other", port: server.port).hasPrefix("HTTP/1.1 404"))
    }

    /// A client trickling a request byte by byte holds one slot, not the responder: a scrape
    /// is answered meanwhile, and `stop` returns without waiting for the trickler (its
    /// exchange deadline here is an hour).
    func testATricklingClientHoldsUpNeitherScrapesNorStop() throws {
        let server = try MetricsHTTPServer(host: "127.0.0.1", port: 0, exchangeSeconds: 3600) { "seedrl_up 1\n" }
        server.start()
        let trickler = try connected(port: server.port)
        defer { close(trickler) }
        _ = send(trickler, "G", 1, 0)
        XCTAssertEqual(try get("/metrics", port: server.port), "HTTP/1.1 200 OK|seedrl_up 1\n")
        let stopped = StopFlag()
        let stopper = OSThread(name: "test-stop") {
            server.stop()
            stopped.set()
        }
        XCTAssertTrue(stopped.wait(seconds: 60), "stop returned with the trickler still connected")
        stopper.join()
    }

    /// Each exchange has one deadline, not one per read: a byte every 20 ms does not keep a
    /// connection past its 0.2 s.
    func testAnExchangeEndsAtItsDeadlineHoweverSlowlyItTrickles() throws {
        let server = try MetricsHTTPServer(host: "127.0.0.1", port: 0, exchangeSeconds: 0.2) { "seedrl_up 1\n" }
        server.start()
        defer { server.stop() }
        let trickler = try connected(port: server.port)
        defer { close(trickler) }
        var closedByServer = false
        for _ in 0..<5000 where !closedByServer {  // up to 100 s on a very slow machine
            if send(trickler, "x", 1, Int32(MSG_NOSIGNAL)) < 0 { closedByServer = true; break }
            var byte: UInt8 = 0
            let read = recv(trickler, &byte, 1, Int32(MSG_DONTWAIT))
            closedByServer = read == 0 || (read < 0 && errno != EAGAIN)
            usleep(20_000)
        }
        XCTAssertTrue(closedByServer, "the server closed the trickling connection")
        XCTAssertEqual(try get("/metrics", port: server.port), "HTTP/1.1 200 OK|seedrl_up 1\n")
    }

    private func connected(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(result, 0)
        return fd
    }

    private func get(_ path: String, port: Int) throws -> String {
        let fd = try connected(port: port)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[..<count]
        }
        // "\r\n" is one Character in Swift: split on bytes.
        let status = String(decoding: response.prefix { $0 != 13 }, as: UTF8.self)
        let end = (0..<max(response.count - 3, 0)).first { response[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) } ?? response.count
        let body = String(decoding: response.dropFirst(min(end + 4, response.count)), as: UTF8.self)
        return "\(status)|\(body)"
    }
}

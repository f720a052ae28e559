internal import CGRPC
@testable import Wire
import XCTest

final class CoreLogTests: XCTestCase {
    /// Anyone can fail a TLS handshake before any authentication: a burst prints one line
    /// per quiet period, the next one saying how many it skipped.
    func testQuietLinesPrintOncePerPeriodAndCountTheRest() {
        var lines = QuietLines(quietNanoseconds: 10_000_000_000)
        let start: UInt64 = 5_000_000_000
        var printed: [UInt64] = []
        for index in 0..<200 {  // a millisecond apart
            if let skipped = lines.admit(now: start + UInt64(index) * 1_000_000) { printed.append(skipped) }
        }
        XCTAssertEqual(printed, [0], "one line for the burst")
        XCTAssertNil(lines.admit(now: start + 9_999_999_999), "still quiet")
        XCTAssertEqual(lines.admit(now: start + 10_000_000_000), 200, "after the quiet period, with the count skipped")
        XCTAssertNil(lines.admit(now: start), "a clock that went backwards stays quiet, never traps")
    }

    /// Every failed handshake the core reports is counted, printed or not.
    func testFailedHandshakesAreCounted() {
        let before = CoreLog.tlsHandshakeFailures
        for _ in 0..<50 {
            CoreLog.record(file: "ssl_transport_security.cc", line: 1501, severity: GPR_LOG_SEVERITY_ERROR,
                           message: "Handshake failed with fatal error SSL_ERROR_SSL: error:0A00010B:SSL routines::wrong version number.")
        }
        XCTAssertEqual(CoreLog.tlsHandshakeFailures - before, 50)
    }
}

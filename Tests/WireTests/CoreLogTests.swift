internal import CGRPC
@testable import Wire
import Threading
import XCTest

final class CoreLogTests: XCTestCase {
    /// Anyone can fail a TLS handshake before any authentication: 200 of them are all
    /// counted but print one line per quiet period, the next one saying how many it skipped.
    func testFailedHandshakesAreCountedAndRateLimited() {
        let before = CoreLog.tlsHandshakeFailures
        let message = "Handshake failed with fatal error SSL_ERROR_SSL: error:0A00010B:SSL routines::wrong version number."
        let start = MonotonicClock.now() + 3600 * 1_000_000_000  // after any line printed for real
        var printed = 0
        for index in 0..<200 {
            let now = start + UInt64(index) * 1_000_000  // a millisecond apart
            if CoreLog.record(file: "ssl_transport_security.cc", line: 1501, severity: GPR_LOG_SEVERITY_ERROR, message: message, now: now) {
                printed += 1
            }
        }
        XCTAssertEqual(CoreLog.tlsHandshakeFailures - before, 200)
        XCTAssertEqual(printed, 1, "one line for the burst")
        let later = start + 200 * 1_000_000 + CoreLog.quietSeconds * 1_000_000_000
        XCTAssertTrue(CoreLog.record(file: "ssl_transport_security.cc", line: 1501, severity: GPR_LOG_SEVERITY_ERROR,
                                     message: message, now: later), "printed again after the quiet period")
    }
}

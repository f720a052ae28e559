import ActorClient
import XCTest

final class BackoffTests: XCTestCase {
    func testDoublesFromTheInitialDelayUpToTheCap() {
        var backoff = Backoff()
        backoff.jitter = 0
        XCTAssertEqual((1...8).map { backoff.delay(attempt: $0, unit: 0.5) }, [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5, 5])
    }

    func testJitterSpreadsAroundTheDelay() {
        let backoff = Backoff()  // ±20 %
        XCTAssertEqual(backoff.delay(attempt: 3, unit: 0), 0.32, accuracy: 1e-12)
        XCTAssertEqual(backoff.delay(attempt: 3, unit: 0.5), 0.4, accuracy: 1e-12)
        XCTAssertEqual(backoff.delay(attempt: 3, unit: 0.999_999), 0.48, accuracy: 1e-6)
        XCTAssertEqual(backoff.delay(attempt: 50, unit: 0.5), 5)
    }
}

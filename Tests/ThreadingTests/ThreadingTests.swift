import Threading
import XCTest

final class ThreadingTests: XCTestCase {
    func testAStopFlagSetOnOneThreadWakesAWaiterOnAnother() {
        let flag = StopFlag()
        XCTAssertFalse(flag.wait(seconds: 0.01), "times out while unset")
        let setter = OSThread(name: "setter") {
            usleep(20_000)
            flag.set()
        }
        let started = MonotonicClock.now()
        XCTAssertTrue(flag.wait(seconds: 10))
        XCTAssertLessThan(MonotonicClock.now() - started, 5_000_000_000, "woken, not timed out")
        setter.join()
        flag.wait()
        XCTAssertTrue(flag.isSet)
    }

    func testLockedSerialisesUpdatesFromManyThreads() {
        let counter = Locked(0)
        let threads = (0..<4).map { index in
            OSThread(name: "adder-\(index)") { for _ in 0..<10_000 { counter.withLock { $0 += 1 } } }
        }
        threads.forEach { $0.join() }
        XCTAssertEqual(counter.withLock { $0 }, 40_000)
    }

    func testAConditionWaitWithADeadlineInThePastReturnsAtOnce() {
        let condition = ConditionLock()
        let signalled = condition.withLock { condition.wait(until: MonotonicClock.now() - 1) }
        XCTAssertFalse(signalled)
    }

    func testTheMonotonicClockNeverGoesBack() {
        var last = MonotonicClock.now()
        for _ in 0..<1000 {
            let now = MonotonicClock.now()
            XCTAssertGreaterThanOrEqual(now, last)
            last = now
        }
        XCTAssertGreaterThan(wallClockSeconds(), 1.7e9, "seconds since 1970")
    }
}

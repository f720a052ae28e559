import BatchQueue
import XCTest

/// The batching policy as a pure value: no threads, time injected.
final class BatchingStateMachineTests: XCTestCase {
    private let ms: UInt64 = 1_000_000

    private func machine(maxBatch: Int = 4, delayMs: UInt64 = 2, streams: Int = 10) throws -> BatchingStateMachine {
        var machine = BatchingStateMachine(
            policy: try BatchingPolicy(maxBatch: maxBatch, maxDelayNanoseconds: delayMs * ms), capacity: 16)
        for _ in 0..<streams { machine.streamOpened() }
        return machine
    }

    func testNothingPendingWaitsForWork() throws {
        XCTAssertEqual(try machine().decide(now: 0), .waitForWork)
    }

    func testFlushesAtMaxBatch() throws {
        var machine = try machine(maxBatch: 4)
        for t in 0..<3 { try machine.enqueued(now: UInt64(t)) }
        XCTAssertEqual(machine.decide(now: 3), .waitUntil(2 * ms), "three of ten streams: wait for company")
        try machine.enqueued(now: 3)
        XCTAssertEqual(machine.decide(now: 3), .flush(4))
        // More than a batch pending: a full batch at a time.
        for t in 4..<10 { try machine.enqueued(now: UInt64(t)) }
        XCTAssertEqual(machine.decide(now: 10), .flush(4))
        machine.took(4)
        XCTAssertEqual(machine.decide(now: 10), .flush(4))
        machine.took(4)
        XCTAssertEqual(machine.pending, 2)
        XCTAssertEqual(machine.decide(now: 10), .waitUntil(8 + 2 * ms), "the deadline follows the oldest item left")
    }

    func testFlushesAtMaxDelayWithAnInjectedClock() throws {
        var machine = try machine(maxBatch: 8, delayMs: 2)
        try machine.enqueued(now: 100)
        try machine.enqueued(now: 100 + ms)
        XCTAssertEqual(machine.decide(now: 100 + ms), .waitUntil(100 + 2 * ms))
        XCTAssertEqual(machine.decide(now: 100 + 2 * ms - 1), .waitUntil(100 + 2 * ms))
        XCTAssertEqual(machine.decide(now: 100 + 2 * ms), .flush(2))
        machine.took(2)
        XCTAssertEqual(machine.decide(now: 100 + 2 * ms), .waitForWork)
    }

    func testFlushesAtOnceWhenEveryLiveStreamIsWaiting() throws {
        var machine = try machine(maxBatch: 8, delayMs: 1000, streams: 3)
        try machine.enqueued(now: 0)
        try machine.enqueued(now: 0)
        XCTAssertEqual(machine.decide(now: 0), .waitUntil(1000 * ms))
        try machine.enqueued(now: 0)
        XCTAssertEqual(machine.decide(now: 0), .flush(3), "nobody else can join: do not stall")
    }

    func testAStreamClosingCanMakeTheRestABatch() throws {
        var machine = try machine(maxBatch: 8, delayMs: 1000, streams: 3)
        try machine.enqueued(now: 0)
        try machine.enqueued(now: 0)
        XCTAssertEqual(machine.decide(now: 0), .waitUntil(1000 * ms))
        machine.streamClosed()
        XCTAssertEqual(machine.decide(now: 0), .flush(2))
    }

    func testRefusesMoreThanCapacity() throws {
        var machine = BatchingStateMachine(policy: try BatchingPolicy(maxBatch: 2, maxDelayNanoseconds: 0), capacity: 2)
        try machine.enqueued(now: 0)
        try machine.enqueued(now: 0)
        XCTAssertThrowsError(try machine.enqueued(now: 0)) { XCTAssertEqual($0 as? BatchQueueError, .full(capacity: 2)) }
    }

    func testPolicyChecksItsKnobsWithExactMessages() {
        XCTAssertThrowsError(try BatchingPolicy(maxBatch: 0, maxDelayNanoseconds: 0)) {
            XCTAssertEqual("\($0)", "invalid batching configuration: max batch must be at least 1, got 0")
        }
        XCTAssertThrowsError(try BatchingPolicy(maxBatch: 1, maxDelayNanoseconds: 20_000_000_000)) {
            XCTAssertEqual("\($0)", "invalid batching configuration: max delay must be at most 10 s, got 20000000 µs")
        }
    }

    // MARK: Rows (ActBatch lanes)

    /// A message of many lanes counts as that many rows, and goes whole.
    func testRowsFillABatchAndAMessageIsNeverSplit() throws {
        var machine = try machine(maxBatch: 8, streams: 0)
        machine.streamOpened(rows: 6)
        machine.streamOpened(rows: 6)
        machine.streamOpened(rows: 6)
        try machine.enqueued(rows: 6, now: 0)
        XCTAssertEqual(machine.decide(now: 0), .waitUntil(2 * ms), "6 of 18 live rows: wait for company")
        try machine.enqueued(rows: 6, now: 0)
        XCTAssertEqual(machine.decide(now: 0), .flush(1), "12 rows ≥ 8: the first message; the second would not fit")
        machine.took(1)
        XCTAssertEqual(machine.pendingRows, 6)
        XCTAssertEqual(machine.decide(now: 2 * ms), .flush(1))
    }

    func testAMessageLargerThanMaxBatchStillGoes() throws {
        var machine = try machine(maxBatch: 4, streams: 0)
        machine.streamOpened(rows: 16)
        try machine.enqueued(rows: 16, now: 0)
        XCTAssertEqual(machine.decide(now: 0), .flush(1))
        XCTAssertEqual(machine.rows(ofFirst: 1), 16)
    }

    func testEveryLiveRowWaitingFlushesAtOnce() throws {
        var machine = try machine(maxBatch: 256, delayMs: 1000, streams: 0)
        machine.streamOpened(rows: 3)
        machine.streamOpened(rows: 5)
        try machine.enqueued(rows: 3, now: 0)
        try machine.enqueued(rows: 5, now: 0)
        XCTAssertEqual(machine.decide(now: 0), .flush(2), "all 8 live rows are pending: nobody else can join")
        machine.took(2)
        machine.streamClosed(rows: 5)
        XCTAssertEqual(machine.liveRows, 3)
    }
}

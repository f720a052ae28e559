import BatchQueue
import Synchronization
import Threading
import XCTest

/// The threaded shell: real threads, real condition variables.
final class BatchQueueTests: XCTestCase {
    func testEachBatchHandsOutItemsInOrderAndCountsSizes() throws {
        let queue = BatchQueue<Int>(policy: try BatchingPolicy(maxBatch: 3, maxDelayNanoseconds: 0), capacity: 8)
        for _ in 0..<5 { queue.streamOpened() }
        for item in 0..<5 { try queue.enqueue(item) }
        var batch: [Int] = []
        XCTAssertTrue(queue.nextBatch(into: &batch))
        XCTAssertEqual(batch, [0, 1, 2])
        XCTAssertTrue(queue.nextBatch(into: &batch))
        XCTAssertEqual(batch, [3, 4])
        let statistics = queue.batchStatistics
        XCTAssertEqual(statistics.batches, 2)
        XCTAssertEqual(statistics.countsBySize[3], 1)
        XCTAssertEqual(statistics.countsBySize[2], 1)
        XCTAssertEqual(statistics.meanBatchSize, 2.5)
    }

    func testCloseWakesAWaitingConsumerAndRefusesNewItems() throws {
        let queue = BatchQueue<Int>(policy: try BatchingPolicy(maxBatch: 4, maxDelayNanoseconds: 0), capacity: 4)
        queue.streamOpened()
        let returned = Atomic(false)
        let consumer = OSThread(name: "test-consumer") {
            var batch: [Int] = []
            returned.store(!queue.nextBatch(into: &batch), ordering: .relaxed)
        }
        usleep(50_000)  // let it block (the test passes either way; this makes it the interesting case)
        queue.close()
        consumer.join()
        XCTAssertTrue(returned.load(ordering: .relaxed), "nextBatch returns false once closed")
        XCTAssertThrowsError(try queue.enqueue(1)) { XCTAssertEqual($0 as? BatchQueueError, .closed) }
    }

    func testAWaitingConsumerIsWokenByTheItemThatCompletesABatch() throws {
        let queue = BatchQueue<Int>(policy: try BatchingPolicy(maxBatch: 2, maxDelayNanoseconds: 10_000_000_000), capacity: 4)
        for _ in 0..<3 { queue.streamOpened() }
        let got = Mutex<[Int]>([])
        let consumer = OSThread(name: "test-consumer") {
            var batch: [Int] = []
            if queue.nextBatch(into: &batch) { got.withLock { $0 = batch } }
        }
        try queue.enqueue(7)
        usleep(20_000)
        try queue.enqueue(8)  // max batch reached: must wake the consumer long before 10 s
        consumer.join()
        XCTAssertEqual(got.withLock { $0 }, [7, 8])
    }

    func testMaxDelayFlushesALoneItemWithoutBusyWaiting() throws {
        let queue = BatchQueue<Int>(policy: try BatchingPolicy(maxBatch: 8, maxDelayNanoseconds: 20_000_000), capacity: 4)
        for _ in 0..<2 { queue.streamOpened() }
        try queue.enqueue(1)
        var batch: [Int] = []
        XCTAssertTrue(queue.nextBatch(into: &batch))
        XCTAssertEqual(batch, [1])
    }
}

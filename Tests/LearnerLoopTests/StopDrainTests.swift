@testable import LearnerLoop
@testable import Model
import Replay
import XCTest

/// A clean stop trains on what was queued (acknowledged steps) before the final
/// checkpoint, instead of discarding it.
final class StopDrainTests: XCTestCase {
    func testStopTrainsOnEveryWholeBatchQueuedAndCountsTheRest() {
        let learner = makeTestLearner(batchSize: 2)
        let queue = UnrollQueue(capacity: 8, policy: .block)
        for seed in 0..<7 { XCTAssertTrue(queue.push(makeTestUnroll(seed: UInt64(seed)))) }
        let training = TrainingLoop(learner: learner, queue: queue, replay: nil, seed: 1)
        training.start()
        training.stop()
        XCTAssertEqual(training.progress.steps, 3, "three whole batches of two")
        XCTAssertEqual(learner.framesTrained, 6 * 5)
        XCTAssertEqual(training.progress.unrollsDiscardedAtStop, 1, "fewer than a batch is left, and said so")
        XCTAssertFalse(queue.push(makeTestUnroll(seed: 9)), "nothing is accepted after the stop")
    }

    /// Out of time, the drain stops: whatever was not trained is counted, so every
    /// acknowledged unroll is either trained on or reported.
    func testADrainOutOfTimeAccountsForEveryUnroll() {
        let learner = makeTestLearner(batchSize: 1)
        let queue = UnrollQueue(capacity: 8, policy: .block)
        for seed in 0..<8 { queue.push(makeTestUnroll(seed: UInt64(seed))) }
        let training = TrainingLoop(learner: learner, queue: queue, replay: nil, seed: 1)
        training.start()
        training.stop(drainSeconds: 0)
        XCTAssertEqual(Int(training.progress.steps) + training.progress.unrollsDiscardedAtStop, 8)
    }

    func testASealedQueueHandsOutWhatItHoldsThenNil() {
        let queue = UnrollQueue(capacity: 4, policy: .block)
        for seed in 0..<3 { queue.push(makeTestUnroll(seed: UInt64(seed))) }
        queue.seal()
        XCTAssertFalse(queue.push(makeTestUnroll(seed: 5)))
        XCTAssertEqual(queue.pop(2)?.count, 2)
        XCTAssertNil(queue.pop(2), "one left is not enough, and a sealed queue does not wait")
        XCTAssertEqual(queue.close(), 1)
    }
}

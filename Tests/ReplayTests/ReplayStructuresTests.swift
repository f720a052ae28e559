import Contract
import Randomness
import Replay
import Threading
import XCTest

final class ReplayStructuresTests: XCTestCase {
    private func unroll(_ tag: Float) -> Unroll {
        var unroll = Unroll(length: 1, observationBytes: 1, actionWidth: 1)
        unroll.rewards[0] = tag
        return unroll
    }

    func testSumTreeFindsByCumulativePriority() {
        var tree = SumTree(capacity: 5)
        for (index, priority) in [1.0, 0, 3, 2, 4].enumerated() { tree.update(index, priority: priority) }
        XCTAssertEqual(tree.total, 10)
        XCTAssertEqual(tree.find(0.5), 0)
        XCTAssertEqual(tree.find(1.0), 2, "zero-priority leaves are never found")
        XCTAssertEqual(tree.find(3.99), 2)
        XCTAssertEqual(tree.find(4.0), 3)
        XCTAssertEqual(tree.find(9.99), 4)
        tree.update(4, priority: 0)
        XCTAssertEqual(tree.total, 6)
    }

    func testUniformReplayOverwritesTheOldest() {
        var buffer = ReplayBuffer(capacity: 3, sampling: .uniform)
        for tag in 0..<5 { buffer.insert(unroll(Float(tag))) }
        var generator = SeededGenerator(seed: 1)
        let seen = Set(buffer.sample(200, using: &generator).map { $0.unroll.rewards[0] })
        XCTAssertEqual(seen, [2, 3, 4])
        XCTAssertTrue(buffer.sample(5, using: &generator).allSatisfy { $0.weight == 1 })
    }

    func testPrioritizedReplayFollowsPrioritiesWithImportanceWeights() {
        var buffer = ReplayBuffer(capacity: 2, sampling: .prioritized, alpha: 1, beta: 1)
        buffer.insert(unroll(0))
        buffer.insert(unroll(1))
        buffer.updatePriority(slot: 0, priority: 1)
        buffer.updatePriority(slot: 1, priority: 3)
        var generator = SeededGenerator(seed: 5)
        let samples = buffer.sample(4000, using: &generator)
        let share = Double(samples.filter { $0.slot == 1 }.count) / 4000
        XCTAssertEqual(share, 0.75, accuracy: 0.03)
        // w ∝ (N·P)^-β: P = 1/4 → 2, P = 3/4 → 2/3; normalised by the max.
        XCTAssertEqual(samples.first { $0.slot == 0 }?.weight ?? 0, 1, accuracy: 1e-6)
        XCTAssertEqual(samples.first { $0.slot == 1 }?.weight ?? 0, 1.0 / 3, accuracy: 1e-6)
    }

    func testQueueBlocksWhenFullUntilTheLearnerTakes() {
        let queue = UnrollQueue(capacity: 2, policy: .block)
        queue.push(unroll(0))
        queue.push(unroll(1))
        let pushed = ConditionLock()
        nonisolated(unsafe) var done = false
        let third = unroll(2)
        let producer = OSThread(name: "test-producer") {
            queue.push(third)
            pushed.withLock { done = true }
        }
        usleep(50_000)
        XCTAssertFalse(pushed.withLock { done }, "a full queue makes the producer wait")
        XCTAssertEqual(queue.pop(1)?.map { $0.rewards[0] }, [0])
        producer.join()
        XCTAssertEqual(queue.pop(2)?.map { $0.rewards[0] }, [1, 2], "nothing was dropped")
        XCTAssertEqual(queue.dropped, 0)
    }

    func testDropOldestNeverWaits() {
        let queue = UnrollQueue(capacity: 2, policy: .dropOldest)
        for tag in 0..<4 { queue.push(unroll(Float(tag))) }
        XCTAssertEqual(queue.dropped, 2)
        XCTAssertEqual(queue.pop(2)?.map { $0.rewards[0] }, [2, 3])
    }

    /// A data-parallel learner must not wait forever for its own actors: a pop with a
    /// deadline gives up (nil) and takes nothing, and still takes what is there.
    func testPopWithADeadlineGivesUp() {
        let queue = UnrollQueue(capacity: 4, policy: .block)
        XCTAssertTrue(queue.push(Unroll(length: 2, observationBytes: 1, actionWidth: 1)))
        let started = MonotonicClock.now()
        XCTAssertNil(queue.pop(2, deadline: started + 20_000_000))
        XCTAssertGreaterThanOrEqual(MonotonicClock.now() - started, 20_000_000)
        XCTAssertEqual(queue.depth, 1, "a pop that gave up took nothing")
        XCTAssertEqual(queue.pop(1, deadline: MonotonicClock.now() + 20_000_000)?.count, 1)
        queue.close()
        XCTAssertTrue(queue.isClosed)
        XCTAssertNil(queue.pop(1, deadline: nil))
    }

    func testCloseWakesABlockedLearner() {
        let queue = UnrollQueue(capacity: 2, policy: .block)
        nonisolated(unsafe) var result: [Unroll]? = []
        let learner = OSThread(name: "test-learner") { result = queue.pop(1) }
        usleep(20_000)
        queue.close()
        learner.join()
        XCTAssertNil(result)
        XCTAssertFalse(queue.push(unroll(0)))
    }

    /// On-policy: inference is held from the moment the queue is full until the learner
    /// has taken the batch and trained on it; the other policies never hold it.
    func testOnPolicyHoldsInferenceFromAFullQueueUntilTheBatchIsTrained() {
        let queue = UnrollQueue(capacity: 2, policy: .onPolicy)
        queue.push(unroll(0))
        XCTAssertFalse(queue.holdsInference, "half a batch: inference goes on")
        queue.push(unroll(1))
        XCTAssertTrue(queue.holdsInference, "a batch is ready")
        let resumed = ConditionLock()
        nonisolated(unsafe) var turns = 0
        let inference = OSThread(name: "test-inference") {
            queue.awaitInferenceTurn()
            resumed.withLock { turns += 1 }
        }
        XCTAssertEqual(queue.pop(2)?.map { $0.rewards[0] }, [0, 1])
        XCTAssertTrue(queue.holdsInference, "the learner is training on it")
        queue.trainingFinished()
        inference.join()
        XCTAssertEqual(resumed.withLock { turns }, 1)
        XCTAssertFalse(queue.holdsInference)
        // Sealing (a stop) releases a held inference thread too.
        queue.push(unroll(2)); queue.push(unroll(3))
        let held = OSThread(name: "test-inference-2") { queue.awaitInferenceTurn() }
        queue.seal()
        held.join()
        for policy in [UnrollQueuePolicy.block, .dropOldest] {
            let other = UnrollQueue(capacity: 1, policy: policy)
            other.push(unroll(0))
            XCTAssertFalse(other.holdsInference, "\(policy)")
            other.awaitInferenceTurn()
        }
    }
}

import Contract
import InferenceServer
import Replay
import XCTest

/// `--unroll-queue-policy on-policy` over real gRPC: once a batch of unrolls waits, a step
/// that arrives is held, unanswered, until the learner has taken the batch and trained.
final class OnPolicyGateTests: XCTestCase {
    func testAStepIsAnsweredOnlyAfterTheWaitingBatchIsTrained() throws {
        let queue = UnrollQueue(capacity: 1, policy: .onPolicy)
        try ServerFixture.withServer(configure: { $0.recording = .init(unrollLength: 2, queue: queue, returnDiscount: 1) }) { fixture in
            let client = try fixture.client()
            // Three timesteps make an unroll of 2 transitions: the queue (one batch) is full.
            client.roundTrip(.first)
            client.roundTrip(.mid)
            client.roundTrip(.mid)
            XCTAssertTrue(eventually { queue.depth == 1 })
            let received = fixture.server.statistics.envSteps
            client.send(.mid, observation: [0.1, -0.2, 0.03, 0.4])
            XCTAssertTrue(eventually { fixture.server.statistics.envSteps == received + 1 }, "the server has the step")
            XCTAssertTrue(queue.holdsInference)
            XCTAssertNil(client.poll(), "held while a batch waits")
            let batch = try XCTUnwrap(queue.pop(1))
            XCTAssertEqual(batch[0].timesteps, 3)
            XCTAssertNil(client.poll(), "held while the learner trains")
            queue.trainingFinished()
            guard case .action? = client.next() else { return XCTFail("the step is answered once the batch is trained") }
            XCTAssertEqual(fixture.server.statistics.servedSteps, 4, "FIRST and three MIDs")
        }
    }

    /// A server stopping while inference waits for the learner stops, even when it keeps
    /// its unrolls for a learner that goes on (nobody trains here).
    func testStoppingTheServerEndsTheWait() throws {
        let queue = UnrollQueue(capacity: 1, policy: .onPolicy)
        try ServerFixture.withServer(configure: { $0.recording = .init(unrollLength: 2, queue: queue, returnDiscount: 1) }) { fixture in
            let client = try fixture.client()
            for type in [StepType.first, .mid, .mid] { client.roundTrip(type) }
            XCTAssertTrue(eventually { queue.depth == 1 })
            let received = fixture.server.statistics.envSteps
            client.send(.mid, observation: [0.1, -0.2, 0.03, 0.4])
            XCTAssertTrue(eventually { fixture.server.statistics.envSteps == received + 1 })
            fixture.server.shutdown(keepingUnrolls: true)
            XCTAssertEqual(queue.depth, 1, "the batch is kept for the learner")
        }
    }
}

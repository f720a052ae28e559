import ActorClient
import Contract
import Environments
@testable import InferenceServer
import Model
import Replay
import Wire
import XCTest

/// Box and multi-discrete action spaces over real gRPC: GetSpec describes them, Act and
/// ActBatch carry them in their packed fields, box actions arrive clipped into their bounds
/// while the unroll keeps the policy's own sample, and a mismatched actor is refused with
/// both spaces named.
final class ActionSpaceTests: XCTestCase {
    static let pendulum = Pendulum(seed: 0).spec
    static let pad = ObservationSpec(envName: "Pad", shape: [4], dtype: .float32, action: .multiDiscrete([3, 2]))

    func testGetSpecDescribesABox() throws {
        try ServerFixture.withServer(spec: Self.pendulum) { fixture in
            let spec = try fixture.channel.getSpec()
            XCTAssertEqual(spec.actionSpace, .box(low: [-2], high: [2]))
            XCTAssertEqual(spec.numActions, 0, "num_actions is for discrete spaces only")
            XCTAssertEqual(spec.action, .box(low: [-2], high: [2]))
        }
        try ServerFixture.withServer(spec: Self.pad) { fixture in
            XCTAssertEqual(try fixture.channel.getSpec().action, .multiDiscrete([3, 2]))
        }
    }

    /// The policy starts with σ = 1 around means near 0: about 5% of its samples fall
    /// outside [−2, 2]. Every action sent is within the box, and those samples arrive as the
    /// bound itself; the unroll keeps each sample unclipped, with its log-probability.
    func testBoxActionsAreClippedIntoTheirBoundsAndTheUnrollKeepsTheSample() throws {
        let queue = UnrollQueue(capacity: 64, policy: .dropOldest)
        try ServerFixture.withServer(spec: Self.pendulum, configure: { $0.recording = .init(unrollLength: 10, queue: queue, returnDiscount: 1) }) { fixture in
            let client = try fixture.client()
            var sent: [Float] = []
            for step in 0..<201 {
                let action = try XCTUnwrap(client.roundTrip(step == 0 ? .first : .mid, observation: [0.5, -0.5, Float(step % 9) - 4]))
                XCTAssertEqual(action.continuous.count, 1)
                XCTAssertTrue(action.discrete.isEmpty)
                XCTAssertEqual(action.action, 0)
                sent += action.continuous
            }
            XCTAssertTrue(sent.allSatisfy { $0.isFinite && (-2...2).contains($0) }, "every value within the box")
            XCTAssertTrue(sent.contains { abs($0) == 2 }, "samples beyond the box arrive as its bound")
            XCTAssertTrue(eventually { queue.depth >= 20 })
            let unrolls = try XCTUnwrap(queue.pop(20))
            var samples: [Float] = []
            for (k, unroll) in unrolls.enumerated() {
                XCTAssertEqual(unroll.actionWidth, 1)
                samples += k == 0 ? unroll.actions : Array(unroll.actions.dropFirst())
                // log N(x; μ, 1) ≤ −½·log 2π: a Gaussian's density at σ = 1.
                XCTAssertTrue(unroll.behaviourLogProbabilities.allSatisfy { $0 <= -0.918 && $0.isFinite })
            }
            XCTAssertEqual(samples.count, 201)
            XCTAssertEqual(samples.map { min(max($0, -2), 2) }, sent, "what was sent is the kept sample, clipped")
            XCTAssertTrue(samples.contains { abs($0) > 2 }, "the unroll keeps samples beyond the box")
        }
    }

    func testActBatchCarriesBoxActionsLaneMajor() throws {
        try ServerFixture.withServer(spec: Self.pendulum) { fixture in
            let client = try fixture.batchClient(lanes: 3)
            for types in [[StepType.first, .first, .first], [.mid, .mid, .mid]] {
                client.send(types: types.map { UInt32($0.rawValue) }, observations: (0..<9).map { Float($0) * 0.1 })
                guard case .packed(let continuous, let discrete, _)? = client.next() else { return XCTFail("expected an ActionBatch") }
                XCTAssertEqual(continuous.count, 3, "one value per lane")
                XCTAssertTrue(discrete.isEmpty)
                XCTAssertTrue(continuous.allSatisfy { (-2...2).contains($0) })
            }
        }
    }

    func testMultiDiscreteActionsAreIndicesPerDimension() throws {
        try ServerFixture.withServer(spec: Self.pad) { fixture in
            let client = try fixture.client()
            var seen = Set<[Int32]>()
            for step in 0..<60 {
                let action = try XCTUnwrap(client.roundTrip(step == 0 ? .first : .mid))
                XCTAssertEqual(action.discrete.count, 2)
                XCTAssertTrue((0..<3).contains(action.discrete[0]) && (0..<2).contains(action.discrete[1]))
                seen.insert(action.discrete)
            }
            XCTAssertGreaterThan(seen.count, 3, "a near-uniform first policy draws most of the 6 combinations")
            let batch = try fixture.batchClient(lanes: 2)
            batch.send([.first, .first])
            guard case .packed(let continuous, let discrete, _)? = batch.next() else { return XCTFail("expected an ActionBatch") }
            XCTAssertTrue(continuous.isEmpty)
            XCTAssertEqual(discrete.count, 4, "2 lanes × 2 dimensions, lane-major")
        }
    }

    /// The Swift actor plays Pendulum against a Pendulum server: box actions end to end,
    /// on one ActBatch stream and on an Act stream per environment (whose Action is read
    /// in place from the stream's arena).
    func testTheSwiftActorPlaysABoxEnvironment() throws {
        try playPendulum(lanes: nil)
    }

    func testTheSwiftActorPlaysABoxEnvironmentOnActStreams() throws {
        try playPendulum(lanes: 1)
    }

    private func playPendulum(lanes: Int?) throws {
        try ServerFixture.withServer(spec: Self.pendulum) { fixture in
            var configuration = ActorConfiguration(target: fixture.target, environment: "pendulum")
            configuration.environments = 4
            configuration.lanes = lanes
            let actor = ActorLoop(configuration: configuration)
            try actor.start()
            XCTAssertTrue(eventually { fixture.server.stats().episodesCompleted >= 4 }, "Pendulum episodes of 200 steps complete")
            actor.stop()
        }
    }

    func testAnActorWhoseActionsDifferIsRefusedWithBothNamed() throws {
        let boxOfThree = ObservationSpec(envName: "x", shape: [3], dtype: .float32, numActions: 3)
        try ServerFixture.withServer(spec: boxOfThree) { fixture in
            let actor = ActorLoop(configuration: ActorConfiguration(target: fixture.target, environment: "pendulum"))
            XCTAssertThrowsError(try actor.start()) { error in
                XCTAssertEqual("\(error)", "server expects observation shape [3] float32, actions discrete(3); "
                    + "env pendulum gives [3] float32, actions box[1] in [-2, 2]")
            }
            actor.stop()
        }
    }
}

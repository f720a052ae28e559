import Contract
import InferenceServer
import Threading
import Wire
import XCTest

final class ActStreamTests: XCTestCase {
    func testOneStreamGetsOneActionPerStepInOrder() throws {
        try ServerFixture.withServer { fixture in
            let client = try fixture.client()
            for step in 0..<50 {
                let action = client.roundTrip(step == 0 ? .first : .mid, reward: 1)
                XCTAssertNotNil(action)
                XCTAssert((0..<2).contains(action?.action ?? -1))
                XCTAssertEqual(action?.modelVersion, 0)
            }
            client.stream.closeSend()
            XCTAssertEqual(client.closedStatus(), .some(nil), "a half-closed stream ends with OK")
            XCTAssertTrue(eventually { fixture.server.stats().stepsServed == 50 })
        }
    }

    func testSixtyFourConcurrentStreamsAreAllServedInOrderAndBatched() throws {
        try ServerFixture.withServer(configure: { $0.maxDelayMicroseconds = 5000 }) { fixture in
            let clients = try (0..<64).map { _ in try fixture.client() }
            let rounds = 20
            for round in 0..<rounds {
                // Every stream sends, then every stream gets exactly one Action back.
                for client in clients { client.send(round == 0 ? .first : .mid, observation: [0, 0.1, 0.2, Float(round)]) }
                for client in clients {
                    guard case .action? = client.next() else { return XCTFail("round \(round): expected one Action") }
                }
            }
            let stats = fixture.server.stats()
            XCTAssertEqual(stats.stepsServed, UInt64(64 * rounds))
            XCTAssertEqual(stats.activeStreams, 64)
            XCTAssertGreaterThan(stats.meanBatchSize, 4, "steps of concurrent streams share forward passes")
            for client in clients { client.stream.closeSend() }
            for client in clients { XCTAssertEqual(client.closedStatus(), .some(nil)) }
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 0 })
        }
    }

    func testGetSpecDescribesTheServedModel() throws {
        try ServerFixture.withServer { fixture in
            let spec = try fixture.channel.getSpec()
            XCTAssertEqual(spec, SpecMessage(env: "CartPole", observationShape: [4], observationDType: .float32,
                                             numActions: 2, modelVersion: 0, maxLanes: 256, actionSpace: .discrete(2)))
        }
    }

    func testGetStatsCountsEpisodesAndMeanReturnOfMidAndLastRewards() throws {
        try ServerFixture.withServer { fixture in
            let client = try fixture.client()
            // Episode 1: return 1 + 2 + 3 = 6 (the FIRST reward of 100 belongs to no episode).
            client.roundTrip(.first, reward: 100)
            client.roundTrip(.mid, reward: 1)
            client.roundTrip(.mid, reward: 2)
            client.roundTrip(.last, reward: 3, discount: 0)
            // Episode 2: return 10.
            client.roundTrip(.first, reward: 100)
            client.roundTrip(.last, reward: 10, discount: 1)
            let stats = try fixture.channel.getStats()
            XCTAssertEqual(stats.episodesCompleted, 2)
            XCTAssertEqual(stats.meanEpisodeReturn, 8, accuracy: 1e-9)
            XCTAssertEqual(stats.stepsServed, 6, "every Step is answered")
            XCTAssertEqual(stats.envSteps, 4, "FIRST is a reset, not an env.step")
            XCTAssertEqual(stats.framesTrained, 0)
            XCTAssertEqual(stats.skippedUpdates, 0)
            XCTAssertEqual(stats.activeStreams, 1)
            XCTAssertGreaterThanOrEqual(stats.meanBatchSize, 1)
        }
    }

    func testUint8ImageObservationsAreServed() throws {
        let spec = ObservationSpec(envName: "frames", shape: [84, 84, 4], dtype: .uint8, numActions: 6)
        try ServerFixture.withServer(spec: spec) { fixture in
            let client = try fixture.client()
            let frame = (0..<(84 * 84 * 4)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            for type: Int32 in [1, 2, 2, 3] {
                client.sendRaw(type: type, bytes: frame)
                guard case .action(let action)? = client.next() else { return XCTFail("expected an Action") }
                XCTAssert((0..<6).contains(action.action))
            }
        }
    }

    func testUnknownMethodIsUnimplemented() throws {
        try ServerFixture.withServer { fixture in
            XCTAssertThrowsError(try fixture.channel.unary(method: "/seedrl.v1.Learner/Train", timeoutMilliseconds: 5000)) { error in
                XCTAssertEqual((error as? RPCError)?.code, .unimplemented)
                XCTAssertTrue((error as? RPCError)?.message.contains("/seedrl.v1.Learner/Train") == true)
            }
        }
    }
}

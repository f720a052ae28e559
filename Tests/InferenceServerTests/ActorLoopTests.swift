import Contract
import ActorClient
import Environments
import InferenceServer
import LearnerLoop
import Model
import Threading
import Wire
import XCTest

/// The actor against real servers: it refuses a wrong spec, stops on a final error, and
/// heals itself when the learner goes away and comes back.
final class ActorLoopTests: XCTestCase {
    func testRefusesAnEnvironmentThatDoesNotMatchTheSpec() throws {
        let frames = ObservationSpec(envName: "frames", shape: [84, 84, 4], dtype: .uint8, numActions: 6)
        try ServerFixture.withServer(spec: frames) { fixture in
            let actor = ActorLoop(configuration: ActorConfiguration(target: fixture.target, environment: "cartpole"))
            XCTAssertThrowsError(try actor.start()) { error in
                XCTAssertEqual("\(error)", "server expects observation shape [84, 84, 4] uint8, actions discrete(6); "
                    + "env cartpole gives [4] float32, actions discrete(2)")
            }
            actor.stop()
        }
    }

    /// A full learner (RESOURCE_EXHAUSTED) is a load condition: the streams it refused
    /// retry with backoff while the admitted ones are served; nothing is fatal.
    func testAFullLearnerIsRetriedNotFatal() throws {
        try ServerFixture.withServer(configure: { $0.maxStreams = 2 }) { fixture in
            var configuration = ActorConfiguration(target: fixture.target, environment: "cartpole")
            configuration.environments = 4
            configuration.lanes = 1
            configuration.backoff.maxSeconds = 0.2
            let actor = ActorLoop(configuration: configuration)
            try actor.start()
            XCTAssertTrue(eventually { actor.progress.reconnects >= 4 && fixture.server.stats().stepsServed > 100 })
            XCTAssertFalse(actor.waitForFatalError(until: MonotonicClock.now() + 100_000_000))
            XCTAssertNil(actor.error)
            XCTAssertEqual(fixture.server.stats().activeStreams, 2)
            actor.stop()
        }
    }

    func testOnlyLoadAndTransportStatusesAreRetried() {
        XCTAssertTrue(RetryPolicy.isRetryable(StatusCode.unavailable.rawValue, cancelledByUs: false))
        XCTAssertTrue(RetryPolicy.isRetryable(StatusCode.resourceExhausted.rawValue, cancelledByUs: false))
        XCTAssertFalse(RetryPolicy.isRetryable(StatusCode.invalidArgument.rawValue, cancelledByUs: false))
        XCTAssertFalse(RetryPolicy.isRetryable(StatusCode.unauthenticated.rawValue, cancelledByUs: false))
        XCTAssertFalse(RetryPolicy.isRetryable(StatusCode.cancelled.rawValue, cancelledByUs: true))
    }

    func testReconnectsWhenTheLearnerComesBack() throws {
        var port = 0
        var configuration = ActorConfiguration(target: "", environment: "cartpole")
        configuration.environments = 3
        configuration.lanes = 1  // one Act stream each (lanes reconnect alike, as one stream)
        configuration.backoff.maxSeconds = 0.5
        var actor: ActorLoop!
        try ServerFixture.withServer { first in
            port = Int(first.target.split(separator: ":").last!)!
            configuration.target = first.target
            actor = ActorLoop(configuration: configuration)
            try actor.start()
            XCTAssertTrue(eventually { first.server.stats().stepsServed > 100 })
        }
        // The first learner is gone (its streams ended with UNAVAILABLE): the actor waits.
        XCTAssertTrue(eventually { actor.progress.waiting == 3 || actor.progress.reconnects > 0 })
        XCTAssertNil(actor.error, "losing the learner is not fatal")
        try ServerFixture.withServer(configure: { $0.listenAddresses = ["127.0.0.1:\(port)"] }) { second in
            XCTAssertTrue(eventually(seconds: 30) { second.server.stats().activeStreams == 3 && second.server.stats().stepsServed > 100 },
                          "every environment is served again, starting with FIRST (the server validates it)")
            XCTAssertGreaterThanOrEqual(actor.progress.reconnects, 3)
            XCTAssertEqual(second.server.statistics.rejectedSteps, 0)
            actor.stop()
        }
        XCTAssertNil(actor.error)
    }

    func testEnvironmentsRunAsLanesOfAsFewStreamsAsTheServerAllows() throws {
        XCTAssertEqual(ActorLoop.lanesPerStream(asked: nil, environments: 16, serverMaximum: 256), 16)
        XCTAssertEqual(ActorLoop.lanesPerStream(asked: nil, environments: 600, serverMaximum: 256), 256)
        XCTAssertEqual(ActorLoop.lanesPerStream(asked: 1, environments: 16, serverMaximum: 256), 1)
        XCTAssertEqual(ActorLoop.lanesPerStream(asked: 64, environments: 16, serverMaximum: 256), 16)
        XCTAssertEqual(ActorLoop.lanesPerStream(asked: nil, environments: 16, serverMaximum: 0), 1, "a server without ActBatch")
        try ServerFixture.withServer(configure: { $0.maxLanes = 3 }) { fixture in
            var configuration = ActorConfiguration(target: fixture.target, environment: "cartpole")
            configuration.environments = 8
            let actor = ActorLoop(configuration: configuration)
            try actor.start()
            XCTAssertEqual(actor.streamCount, 3, "3 + 3 + 2 lanes")
            XCTAssertTrue(eventually { fixture.server.stats().envSteps > 2_000 && actor.progress.episodes > 10 })
            XCTAssertEqual(fixture.server.stats().activeStreams, 8)
            XCTAssertEqual(fixture.server.statistics.rejectedSteps, 0, "every lane follows the rules, resets included")
            actor.stop()
            XCTAssertNil(actor.error)
        }
    }
}

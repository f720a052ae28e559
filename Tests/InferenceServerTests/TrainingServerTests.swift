import Contract
import ActorClient
import InferenceServer
import LearnerLoop
import Model
import Replay
import Threading
import Wire
import XCTest
import LinearAlgebra

/// Training in place through the real server: actors over loopback gRPC, steps recorded
/// into unrolls, a learner thread publishing versions that inference picks up.
final class TrainingServerTests: XCTestCase {
    /// Rewards of 3e38 are finite and, with the server's value bounds turned off, accepted,
    /// but their returns overflow: every update they make is skipped and counted, the
    /// served model stays finite at version 0 (the learner's own defence, behind the bounds).
    func testPoisonedRewardsSkipUpdatesInsteadOfPublishingThem() throws {
        BLAS.useSingleThread()
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8], numActions: 2)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 5), version: 0),
            layout: architecture.layout)
        var settings = LearnerSettings()
        settings.batchSize = 2
        settings.unrollLength = 4
        let learner = Learner(architecture: architecture, settings: settings, store: store)
        let queue = UnrollQueue(capacity: 8, policy: .block)
        let training = TrainingLoop(learner: learner, queue: queue, replay: nil, seed: 5)
        var configuration = LearnerServerConfiguration(spec: ServerFixture.cartPole, listenAddresses: ["127.0.0.1:0"])
        configuration.recording = .init(unrollLength: settings.unrollLength, queue: queue, returnDiscount: settings.discount)
        configuration.skippedUpdates = { training.progress.skippedNonFiniteSteps }
        configuration.valueLimits = ValueLimits(maxAbsReward: .infinity, maxAbsObservation: .infinity)
        let server = try LearnerServer(
            configuration: configuration, policy: ModelPolicy(architecture: architecture, store: store, maxBatch: 16, seed: 5))
        training.start()
        server.start()
        let channel = WireChannel(target: "127.0.0.1:\(server.boundPorts[0])")
        let poller = StreamPoller()
        let client = try TestActClient(channel: channel, poller: poller)
        XCTAssertNotNil(client.roundTrip(.first))
        for _ in 0..<40 { XCTAssertNotNil(client.roundTrip(.mid, reward: 3e38)) }
        XCTAssertTrue(eventually(seconds: 30) { training.progress.steps >= 2 }, "the learner took the poisoned unrolls")
        let stats = try channel.getStats()
        XCTAssertGreaterThanOrEqual(stats.skippedUpdates, 2, "GetStats counts the skipped updates")
        XCTAssertEqual(stats.modelVersion, 0, "nothing was published")
        client.stream.cancel()
        _ = client.closedStatus()
        poller.shutdown()
        server.shutdown()
        training.stop()
        XCTAssertEqual(training.progress.skippedNonFiniteSteps, training.progress.steps, "every poisoned update was skipped")
        XCTAssertEqual(store.version, 0)
        XCTAssertTrue(store.snapshot.values.allSatisfy(\.isFinite), "the served parameters stay finite")
    }

    /// One authenticated actor sends finite but huge rewards, again and again, among healthy
    /// ones: each of its streams ends with INVALID_ARGUMENT naming the lane and the field, no
    /// update is skipped, the model version keeps rising and the healthy actors learn (their
    /// mean return leaves random play's ~22 within a step budget).
    func testOnePoisoningActorCannotStallTraining() throws {
        let (server, training, _, _) = try trainingServer(hidden: 32, batchSize: 8, unrollLength: 16, queueCapacity: 16, seed: 11)
        defer {
            server.shutdown()
            training.stop()
        }
        let target = "127.0.0.1:\(server.boundPorts[0])"
        var actorConfiguration = ActorConfiguration(target: target, environment: "cartpole")
        actorConfiguration.environments = 16
        let actor = ActorLoop(configuration: actorConfiguration)
        try actor.start()
        defer { actor.stop() }

        let channel = WireChannel(target: target)
        let poller = StreamPoller()
        defer { poller.shutdown() }
        let budget: UInt64 = 400_000
        var refusals = 0
        var stats = try channel.getStats()
        while stats.envSteps < budget && stats.meanEpisodeReturn < 60 {
            // The poisoner comes back after every refusal, a lane of a batch this time.
            let poisoner = try TestBatchClient(channel: channel, poller: poller, lanes: 4)
            XCTAssertNotNil(poisoner.roundTrip([.first, .first, .first, .first]))
            poisoner.send([.mid, .mid, .mid, .mid], rewards: [1, 1, 1e30, 1])
            XCTAssertEqual(poisoner.closedStatus(), .some(RPCError(
                .invalidArgument, "lane 2: reward is 1e+30, beyond the server's range of ±1000000.0 (--max-abs-reward)")))
            refusals += 1
            usleep(20_000)
            stats = try channel.getStats()
        }
        XCTAssertGreaterThanOrEqual(stats.meanEpisodeReturn, 60, "the healthy actors learned within \(budget) env steps: \(stats)")
        XCTAssertGreaterThan(refusals, 0)
        XCTAssertEqual(stats.skippedUpdates, 0, "no update was poisoned")
        XCTAssertGreaterThan(stats.modelVersion, 10)
        XCTAssertEqual(server.statistics.invalidStepsByReason[.reward]?.current, UInt64(refusals), "each refusal counted")
    }

    /// A CartPole MLP learner training in place behind a real server on a loopback port,
    /// both started: the learner, its queue and the server share the model's parameters.
    private func trainingServer(hidden: Int, batchSize: Int, unrollLength: Int, queueCapacity: Int, seed: UInt64) throws
        -> (server: LearnerServer, training: TrainingLoop, queue: UnrollQueue, learner: Learner) {
        BLAS.useSingleThread()
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [hidden], numActions: 2)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: seed), version: 0),
            layout: architecture.layout)
        var settings = LearnerSettings()
        settings.batchSize = batchSize
        settings.unrollLength = unrollLength
        let queue = UnrollQueue(capacity: queueCapacity, policy: .block)
        let learner = Learner(architecture: architecture, settings: settings, store: store)
        let training = TrainingLoop(learner: learner, queue: queue, replay: nil, seed: seed)
        var configuration = LearnerServerConfiguration(spec: ServerFixture.cartPole, listenAddresses: ["127.0.0.1:0"])
        configuration.recording = .init(unrollLength: unrollLength, queue: queue, returnDiscount: settings.discount)
        configuration.framesTrained = { training.progress.framesTrained }
        configuration.skippedUpdates = { training.progress.skippedNonFiniteSteps }
        let server = try LearnerServer(
            configuration: configuration, policy: ModelPolicy(architecture: architecture, store: store, maxBatch: 256, seed: seed))
        training.start()
        server.start()
        return (server, training, queue, learner)
    }

    func testServedStepsTrainTheServedModel() throws {
        let (server, training, queue, learner) = try trainingServer(hidden: 16, batchSize: 4, unrollLength: 5, queueCapacity: 8, seed: 3)
        let settings = (batchSize: 4, unrollLength: 5)
        let target = "127.0.0.1:\(server.boundPorts[0])"
        var actorConfiguration = ActorConfiguration(target: target, environment: "cartpole")
        actorConfiguration.environments = 8
        let actor = ActorLoop(configuration: actorConfiguration)
        try actor.start()

        XCTAssertTrue(eventually(seconds: 30) { training.progress.steps >= 20 }, "the learner trains on served steps")
        let stats = try WireChannel(target: target).getStats()
        XCTAssertGreaterThanOrEqual(stats.modelVersion, 20)
        XCTAssertEqual(stats.framesTrained % UInt64(settings.batchSize * settings.unrollLength), 0)
        XCTAssertGreaterThan(stats.framesTrained, 0)
        XCTAssertGreaterThan(stats.episodesCompleted, 0)
        XCTAssertGreaterThanOrEqual(training.progress.last.policyLag, 0)

        // A new stream is answered by a trained version.
        let poller = StreamPoller()
        let client = try TestActClient(channel: WireChannel(target: target), poller: poller)
        XCTAssertGreaterThan(client.roundTrip(.first)?.modelVersion ?? 0, 0)
        client.stream.cancel()
        _ = client.closedStatus()
        poller.shutdown()

        actor.stop()
        server.shutdown()
        training.stop()
        XCTAssertEqual(queue.dropped, 0, "back-pressure, not loss")
        XCTAssertEqual(learner.framesTrained, training.progress.framesTrained)
    }
}

/// Unroll assembly through the server: what reaches the learner's queue.
final class RecordingTests: XCTestCase {
    func testStepsBecomeUnrollsAndAnEndedStreamLeavesNoPartialOne() throws {
        let queue = UnrollQueue(capacity: 16, policy: .block)
        try ServerFixture.withServer(configure: { $0.recording = .init(unrollLength: 3, queue: queue, returnDiscount: 1) }) { fixture in
            let leaving = try fixture.client()
            leaving.roundTrip(.first)
            leaving.roundTrip(.mid, reward: 1)
            leaving.stream.cancel()  // two timesteps recorded: a partial unroll
            _ = leaving.closedStatus()
            XCTAssertTrue(eventually { fixture.server.statistics.partialUnrollsDropped.current == 1 }, "the dropped partial unroll is counted")
            XCTAssertEqual(fixture.server.statistics.partialUnrollStepsDropped.current, 1, "with its one new timestep after FIRST")

            let staying = try fixture.client()
            staying.roundTrip(.first, observation: [0, 0, 0, 0])
            staying.roundTrip(.mid, observation: [1, 1, 1, 1], reward: 1)
            staying.roundTrip(.last, observation: [2, 2, 2, 2], reward: 2, discount: 0)
            staying.roundTrip(.first, observation: [3, 3, 3, 3], reward: 99)
            XCTAssertTrue(eventually { queue.depth == 1 }, "T+1 = 4 timesteps make one unroll")
            staying.roundTrip(.mid, observation: [4, 4, 4, 4], reward: 4)
            staying.roundTrip(.mid, observation: [5, 5, 5, 5], reward: 5)
            XCTAssertEqual(queue.depth, 1)
            staying.roundTrip(.mid, observation: [6, 6, 6, 6], reward: 6)
            XCTAssertTrue(eventually { queue.depth == 2 })

            let unrolls = queue.pop(2)!
            XCTAssertEqual(unrolls[0].stepTypes, [.first, .mid, .last, .first])
            XCTAssertEqual(unrolls[0].rewards, [0, 1, 2, 0], "FIRST's reward belongs to no transition")
            XCTAssertEqual(unrolls[0].discounts, [1, 1, 0, 1])
            XCTAssertEqual(unrolls[0].observations.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }.map(Int.init),
                           [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
            XCTAssertEqual(unrolls[1].stepTypes, [.first, .mid, .mid, .mid], "the last timestep is carried over")
            XCTAssertEqual(unrolls[1].rewards, [0, 4, 5, 6])
            XCTAssertEqual(unrolls[0].versions, [0, 0, 0, 0])
        }
    }
}

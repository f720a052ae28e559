import ActorClient
import Environments
import InferenceServer
import Logging
import Runtime
import Threading
import XCTest

/// The exporter on a real learner with a real actor: every family is there, counters
/// count what GetStats counts, histograms have observations.
final class MetricsExporterTests: XCTestCase {
    /// A training learner for `environment` with an actor of 8 lanes, run until its third
    /// update (or 20 s), then `body`.
    private func withTrainedLearner(_ environment: KnownEnvironment, configure: (inout LearningConfiguration) -> Void = { _ in },
                                    _ body: (LearnerSystem) throws -> Void) throws {
        var server = LearnerServerConfiguration(spec: environment.spec, listenAddresses: ["127.0.0.1:0"])
        server.maxBatch = 64
        var configuration = LearnerConfiguration(server: server)
        configuration.model.hiddenSizes = [16]
        configuration.learning = LearningConfiguration()
        configure(&configuration.learning!)
        let system = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        let group = ServiceGroup(system.services)
        try group.start()
        defer { group.shutdown() }
        var actorConfiguration = ActorConfiguration(target: "127.0.0.1:\(system.server.boundPorts[0])", environment: environment.rawValue)
        actorConfiguration.environments = 8
        let actor = ActorLoop(configuration: actorConfiguration)
        try actor.start()
        defer { actor.stop() }
        let deadline = MonotonicClock.now() + 20_000_000_000
        // A whole training step, not only a version: PPO publishes a version per minibatch,
        // so version 3 comes before its first step's report (the PPO gauges) is stored.
        func trained() -> Bool { system.stats().modelVersion >= 3 && (system.training?.progress.steps ?? 0) >= 1 }
        while !trained() && MonotonicClock.now() < deadline { usleep(10_000) }
        try body(system)
    }

    func testTheExporterCountsWhatTheLearnerDid() throws {
        try withTrainedLearner(.cartpole) { system in
            // Stats first: the actor keeps stepping, so a later render can only count more.
            let stats = system.stats()
            let text = MetricsExporter(system: system).render()
            func value(_ name: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) }
            }
            XCTAssertGreaterThanOrEqual(value("seedrl_env_steps_total") ?? 0, Double(stats.envSteps))
            XCTAssertGreaterThan(value("seedrl_frames_trained_total") ?? 0, 0)
            XCTAssertEqual(value("seedrl_streams_opened_total"), 1, "eight lanes on one ActBatch stream")
            XCTAssertGreaterThan(value("seedrl_step_round_trip_seconds_count") ?? 0, 0)
            XCTAssertGreaterThan(value("seedrl_learner_step_seconds_count") ?? 0, 0)
            XCTAssertGreaterThan(value("seedrl_process_cpu_seconds_total") ?? 0, 0)
            XCTAssertGreaterThan(value("seedrl_cpu_microseconds_per_env_step") ?? 0, 0)
            XCTAssertTrue(text.contains("seedrl_invalid_steps_total{reason=\"observation_size\"} 0"))
            for family in ["seedrl_queue_wait_seconds", "seedrl_inference_batch_rows", "seedrl_policy_lag_versions"] {
                XCTAssertTrue(text.contains("# TYPE \(family) histogram"), family)
            }
        }
    }

    /// A Pendulum learner exports what its Gaussian policy does: the actions' mean and
    /// spread and σ, which starts at 1 (log σ 0) and moves only by training.
    func testABoxLearnerExportsItsActionStatistics() throws {
        try withTrainedLearner(.pendulum) { system in
            let text = MetricsExporter(system: system).render()
            func value(_ name: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) }
            }
            let sigma = try XCTUnwrap(value("seedrl_policy_std"))
            XCTAssertEqual(sigma, 1, accuracy: 0.2, "σ near its start after a few steps")
            // Samples of N(μ≈0, σ≈1): their spread is about σ, their mean near 0.
            XCTAssertEqual(try XCTUnwrap(value("seedrl_action_std")), sigma, accuracy: 0.5)
            XCTAssertEqual(try XCTUnwrap(value("seedrl_action_mean")), 0, accuracy: 0.5)
        }
    }

    /// A PPO learner exports its clipping, KL and its batches' lag before their first
    /// update, median and largest.
    func testAPPOLearnerExportsItsBatchLag() throws {
        try withTrainedLearner(.cartpole, configure: {
            $0.settings.algorithm = .ppo
            $0.unrollQueueCapacity = 16
        }) { system in
            let text = MetricsExporter(system: system).render()
            func value(_ name: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) }
            }
            XCTAssertNotNil(value("seedrl_ppo_clip_fraction"))
            XCTAssertNotNil(value("seedrl_ppo_approx_kl"))
            let median = try XCTUnwrap(value("seedrl_ppo_batch_lag_median_versions"))
            let largest = try XCTUnwrap(value("seedrl_ppo_batch_lag_max_versions"))
            XCTAssertGreaterThanOrEqual(median, 0)
            XCTAssertGreaterThanOrEqual(largest, median)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import ActorClient
import Contract
import Environments
import Files
import InferenceServer
import LearnerLoop
import Model
import LinearAlgebra
import Logging
import Runtime
import Threading
import XCTest

/// A whole learner process in-process: real server on a loopback port, real actors over
/// gRPC, real training and checkpoints; only the signals and the terminal are left out.
final class LearnerRunTests: XCTestCase {
    private func configuration(logdir: String?, environment: KnownEnvironment = .cartpole) -> LearnerConfiguration {
        var server = LearnerServerConfiguration(spec: environment.spec, listenAddresses: ["127.0.0.1:0"])
        server.maxDelayMicroseconds = 0
        var configuration = LearnerConfiguration(server: server)
        configuration.model.hiddenSizes = [16]
        var learning = LearningConfiguration()
        learning.settings.batchSize = 2
        learning.settings.unrollLength = 5
        configuration.learning = learning
        configuration.checkpoints = logdir.map {
            CheckpointPlan(directory: CheckpointDirectory(path: $0, keep: 2), intervalSeconds: 3600, fresh: false, configuration: "test")
        }
        return configuration
    }

    /// A fresh log directory for this test, removed when it ends.
    private func temporaryLogdir(_ name: String) throws -> String {
        let logdir = "/tmp/seedrl-runtime-\(name)-\(getpid())"
        try AtomicFile.makeDirectories(logdir)
        addTeardownBlock { _ = system("rm -rf \(logdir)") }
        return logdir
    }

    /// Runs `system` with one actor of `environments` lanes of `environment` until `budget`
    /// env steps are served; `report` is called on each progress reading.
    private func runToBudget(_ system: LearnerSystem, environments: Int, environment: String = "cartpole", budget: UInt64 = 2_000,
                             report: @escaping @Sendable () -> Void = {}) throws -> (LearnerRun, LearnerRun.Outcome) {
        let run = LearnerRun(system: system, logger: Logger(label: "test")) { run in
            [ProgressMonitor(system: system, periodSeconds: 0.05, metrics: nil, rule: StopRule(maxEnvSteps: budget),
                             report: { _ in report() }, stopRun: { [weak run] in run?.stop($0) })]
        }
        var actorConfiguration = ActorConfiguration(target: "127.0.0.1:\(system.server.boundPorts[0])", environment: environment)
        actorConfiguration.environments = environments
        let actor = ActorLoop(configuration: actorConfiguration)
        let started = OSThread(name: "actor-starter") {
            usleep(100_000)
            try? actor.start()
        }
        defer { started.join(); actor.stop() }
        return (run, try run.run())
    }

    /// The stop order is the service order reversed: the monitor, then the server (no more
    /// steps acknowledged), then the learner, which drains and writes the final checkpoint
    /// with every env step the server counted.
    func testAStoppedRunStopsInReverseAndCheckpointsEverythingItServed() throws {
        let logdir = try temporaryLogdir("run")
        let system = try LearnerSystem(configuration: configuration(logdir: logdir), logger: Logger(label: "test"))
        let readings = Locked(0)
        let (run, outcome) = try runToBudget(system, environments: 4) { readings.withLock { $0 += 1 } }
        XCTAssertEqual(outcome.reason, .budgetSpent(2_000))
        XCTAssertEqual(run.stopOrder, ["progress", "heap-trimmer", "serving", "training"])
        XCTAssertGreaterThan(readings.withLock { $0 }, 0)
        XCTAssertTrue(outcome.failures.isEmpty)
        let file = try XCTUnwrap(outcome.checkpoint?.file)
        let checkpoint = try Checkpoint.read(from: file)
        XCTAssertEqual(checkpoint.envSteps, system.server.statistics.envSteps, "the checkpoint counts every step the server counted")
        XCTAssertGreaterThanOrEqual(checkpoint.envSteps, 2_000)
        XCTAssertEqual(checkpoint.version, system.training!.progress.last.version)
        XCTAssertGreaterThan(checkpoint.version, 0, "it trained")
        XCTAssertEqual(checkpoint.framesTrained, system.training!.progress.framesTrained)
    }

    /// On-policy PPO through the whole process: real actors, a real learner, and a stop
    /// while inference may be waiting for the learner, which ends with the final
    /// checkpoint. With as many lanes as a batch has unrolls, the last minibatch of a step
    /// trains on transitions acted by the version its step started from (lag: the 3
    /// minibatch updates before it), except each unroll's first, acted before the previous
    /// batch was trained (3 + 4). (The hold itself is OnPolicyGateTests'.)
    func testOnPolicyPPOTrainsOnFreshBatchesAndStopsCleanly() throws {
        let logdir = try temporaryLogdir("onpolicy")
        var configuration = configuration(logdir: logdir)
        configuration.learning!.settings.algorithm = .ppo
        configuration.learning!.settings.ppo.epochs = 2
        configuration.learning!.settings.ppo.minibatches = 2
        configuration.learning!.unrollQueuePolicy = .onPolicy
        configuration.learning!.unrollQueueCapacity = 2
        let system = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        let (_, outcome) = try runToBudget(system, environments: 2)
        XCTAssertEqual(outcome.reason, .budgetSpent(2_000))
        XCTAssertTrue(outcome.failures.isEmpty)
        let progress = system.training!.progress
        XCTAssertGreaterThan(progress.steps, 100, "2,000 steps in batches of 2 × 5")
        XCTAssertEqual(progress.last.policyLagMedian, 3, "the last minibatch: 3 updates after the version that acted")
        XCTAssertLessThanOrEqual(progress.last.policyLagMax, 7)
        XCTAssertNotNil(outcome.checkpoint?.file, "stopped with its final checkpoint")
    }

    /// Reward normalisation through the whole process: the server continues each lane's
    /// return with the learner's discount (0.5 here: CartPole's reward of 1 a step makes
    /// returns 1, 1.5, 1.75, … below 2, where an undiscounted one would pass 2 by the third
    /// step), the final checkpoint carries the statistics, and a resumed run continues them
    /// instead of starting over.
    func testRewardNormalisationStatisticsUseTheLearnersDiscountAndSurviveAResume() throws {
        let logdir = try temporaryLogdir("returns")
        var configuration = configuration(logdir: logdir)
        configuration.learning!.settings.rewardNormalization = .returns
        configuration.learning!.settings.discount = 0.5
        let first = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        let (_, outcome) = try runToBudget(first, environments: 4)
        let saved = try Checkpoint.read(from: try XCTUnwrap(outcome.checkpoint?.file))
        XCTAssertEqual(saved.returnStatistics.count, 3)
        let (count, mean) = (saved.returnStatistics[0], saved.returnStatistics[1])
        XCTAssertGreaterThan(count, 0.8 * Double(saved.framesTrained), "every trained timestep but FIRSTs")
        XCTAssertLessThanOrEqual(count, Double(saved.framesTrained) + 1)
        XCTAssertGreaterThan(mean, 1)
        XCTAssertLessThan(mean, 2, "returns discounted by the learner's 0.5")

        let resumed = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        XCTAssertNotNil(resumed.resumedFrom)
        let (_, again) = try runToBudget(resumed, environments: 4, budget: saved.envSteps + 2_000)
        let continued = try Checkpoint.read(from: try XCTUnwrap(again.checkpoint?.file))
        let newFrames = Double(continued.framesTrained - saved.framesTrained)
        XCTAssertGreaterThan(newFrames, 1_000)
        XCTAssertGreaterThan(continued.returnStatistics[0], count + 0.8 * newFrames, "continued from the checkpoint's")
        XCTAssertLessThanOrEqual(continued.returnStatistics[0], count + newFrames + 1)
    }

    /// `--initial-action-std`: a fresh run's Gaussian starts at that σ, the run card
    /// records it, and a resume keeps its checkpoint's σ whatever the option says. (Adam
    /// moves a parameter by about the rate per update: 50 updates at 1e-4 move log σ by
    /// about 0.005, against the 0.69 between σ 0.5 and the default 1.) Without a Gaussian
    /// head, or with a σ whose log is outside the head's bounds, the option is refused.
    func testAFreshRunsGaussianStartsAtTheInitialActionStdAndAResumeKeepsItsOwn() throws {
        let logdir = try temporaryLogdir("initialstd")
        var configuration = configuration(logdir: logdir, environment: .pendulum)
        configuration.model.initialActionStd = 0.5
        configuration.learning!.settings.optimizer.learningRate = 1e-4
        let first = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        XCTAssertEqual(RunCard(command: "test", system: first).model.initialActionStd, 0.5)
        let (_, outcome) = try runToBudget(first, environments: 2, environment: "pendulum", budget: 500)
        let saved = try Checkpoint.read(from: try XCTUnwrap(outcome.checkpoint?.file))
        XCTAssertGreaterThan(saved.framesTrained, 0)
        let logStd = saved.parameters[saved.architecture.layout.headParameterOffset]
        XCTAssertEqual(logStd, logf(0.5), accuracy: 0.05)

        configuration.model.initialActionStd = 2
        let resumed = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        XCTAssertNotNil(resumed.resumedFrom)
        XCTAssertNil(RunCard(command: "test", system: resumed).model.initialActionStd, "a resumed run did not set it")
        let (_, again) = try runToBudget(resumed, environments: 2, environment: "pendulum", budget: saved.envSteps + 200)
        let continued = try Checkpoint.read(from: try XCTUnwrap(again.checkpoint?.file))
        XCTAssertEqual(continued.parameters[continued.architecture.layout.headParameterOffset], logStd, accuracy: 0.05)

        var wide = self.configuration(logdir: nil, environment: .pendulum)
        wide.model.initialActionStd = 100
        XCTAssertThrowsError(try LearnerSystem(configuration: wide, logger: Logger(label: "test"))) {
            XCTAssertTrue("\($0)".contains("must be in"), "\($0)")
        }
        var discrete = self.configuration(logdir: nil)
        discrete.model.initialActionStd = 0.5
        XCTAssertThrowsError(try LearnerSystem(configuration: discrete, logger: Logger(label: "test"))) {
            XCTAssertTrue("\($0)".contains("box actions"), "\($0)")
        }
    }

    /// OpenBLAS's own threads would spin on the cores inference and the learner need.
    func testALearnerRunsBLASSingleThreaded() throws {
        _ = try LearnerSystem(configuration: configuration(logdir: nil), logger: Logger(label: "test"))
        XCTAssertEqual(BLAS.threadCount, 1)
    }

    func testAServeOnlyRunHasNoLearnerAndNoCheckpoint() throws {
        var configuration = configuration(logdir: nil)
        configuration.learning = nil
        let system = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        let run = LearnerRun(system: system, logger: Logger(label: "test"))
        XCTAssertNil(system.training)
        let stopper = OSThread(name: "stopper") {
            usleep(50_000)
            run.stop(.interrupted)
        }
        let outcome = try run.run()
        stopper.join()
        XCTAssertEqual(outcome.reason, .interrupted)
        XCTAssertNil(outcome.checkpoint)
        XCTAssertEqual(run.stopOrder, ["heap-trimmer", "serving"])
    }

    /// `server --no-train --checkpoint`: the checkpoint's model and parameter version are
    /// served, whatever the model flags say.
    func testAServeOnlyRunServesItsCheckpointsPolicy() throws {
        var configuration = configuration(logdir: nil)
        configuration.learning = nil
        let trained = ModelArchitecture(observation: KnownEnvironment.cartpole.spec.format, hiddenSizes: [7], numActions: 2)
        let parameters = ParameterInitializer.initialValues(for: trained, seed: 9)
        let checkpoint = Checkpoint(envName: "CartPole", architecture: trained, version: 321, framesTrained: 3210, parameters: parameters,
                                    optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: parameters.count))
        configuration.servedCheckpoint = (checkpoint, "trained.bin")
        let system = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        XCTAssertEqual(system.architecture, trained)
        XCTAssertEqual(system.resumedFrom, "trained.bin")
        XCTAssertEqual(system.server.stats().modelVersion, 321)
    }
}

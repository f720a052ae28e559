import Contract
import InferenceServer
import LearnerLoop
import Model
import LinearAlgebra
import Logging
import Replay
import Wire

/// The whole learner process assembled: parameter store, inference server and (unless
/// serving only) the training loop that shares its parameters, resumed from the newest
/// valid checkpoint when there is one. Its `services` run it: training first (it joins a
/// data-parallel job and adopts rank 0's state before anything is served), then serving.
public final class LearnerSystem: @unchecked Sendable {
    // Immutable after init.
    public let configuration: LearnerConfiguration
    public let server: LearnerServer
    public let training: TrainingLoop?
    public let architecture: ModelArchitecture
    /// The checkpoint this run continued from, if any.
    public let resumedFrom: String?
    public let logger: Logger
    public let services: [Service]
    private let trainingService: TrainingService?
    /// Gives memory freed after bursts (reset floods, streams that left) back to the kernel.
    public let heapTrimmer = HeapTrimmer()

    public var spec: ObservationSpec { configuration.server.spec }
    public var job: DataParallelJob? { configuration.job }

    public init(configuration: LearnerConfiguration, logger: Logger) throws {
        // The inference and learner threads each run BLAS single-threaded: OpenBLAS's own
        // threads would spin (sched_yield) on the cores they need.
        BLAS.useSingleThread()
        self.configuration = configuration
        self.logger = logger
        let plan = configuration.checkpoints
        let spec = configuration.server.spec
        let resume = try Self.prepareCheckpoints(plan, isWriter: (configuration.job?.rank ?? 0) == 0, logger: logger)
            ?? configuration.servedCheckpoint
        resumedFrom = resume?.file
        let model = configuration.model
        // A resumed run keeps its checkpoint's model, whatever the flags say.
        architecture = resume.map { $0.checkpoint.architecture } ?? model.architecture(for: spec)
        if let resume, resume.checkpoint.architecture.observation != spec.format || resume.checkpoint.action != spec.action {
            throw CheckpointMismatch(description: "\(resume.file) is for \(resume.checkpoint.envName) \(resume.checkpoint.observationShape) "
                + "with actions \(resume.checkpoint.action.description); the server serves \(spec.fullDescription) "
                + "(use another checkpoint or --logdir, or --fresh)")
        }
        if resume == nil, let initialActionStd = model.initialActionStd {
            guard architecture.head is GaussianHead else {
                throw UnsupportedConfiguration(description: "--initial-action-std sets a Gaussian head's σ: it is for box actions, and this server's "
                    + "actions are \(spec.action.description)")
            }
            let range = ParameterInitializer.initialActionStdRange
            guard range.contains(initialActionStd) else {
                throw UnsupportedConfiguration(description: "--initial-action-std must be in \(range.lowerBound)...\(range.upperBound), got \(initialActionStd)")
            }
        }
        let initial = resume.map { ParameterSnapshot(values: $0.checkpoint.parameters, version: $0.checkpoint.version) }
            ?? ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: model.seed,
                                                                            initialActionStd: model.initialActionStd), version: 0)
        let store = ParameterStore(initial: initial, layout: architecture.layout)
        // A resumed sampler continues from a seed derived from the version, not from the
        // inference thread's exact state (that thread never pauses for a checkpoint).
        let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: configuration.server.maxRowsPerBatch,
                                 seed: model.seed &+ initial.version &* 0x9E37_79B9)
        policy.computesLogProbabilities = configuration.learning != nil
        policy.greedy = configuration.servesGreedy && configuration.learning == nil
        var serverConfiguration = configuration.server
        let statistics = StatisticsBox()
        var trainingService: TrainingService? = nil
        if let learning = configuration.learning {
            if learning.settings.algorithm == .ppo && learning.replay != nil {
                throw UnsupportedConfiguration(description: "--algorithm ppo does not take replay (it reuses each batch itself)")
            }
            let learner = Learner(architecture: architecture, settings: learning.settings, store: store,
                                  backend: learning.learnerThreads(for: architecture) > 1 ? SplitCPUBackend() : CPUBackend())
            if let checkpoint = resume?.checkpoint {
                Self.warnOfNormalizationChange(checkpoint: checkpoint, settings: learning.settings, logger: logger)
                learner.restore(parameters: checkpoint.parameters, optimizer: checkpoint.optimizerFirst, checkpoint.optimizerSecond,
                                steps: checkpoint.optimizerSteps, framesTrained: checkpoint.framesTrained,
                                returnStatistics: checkpoint.returnStatistics.isEmpty ? nil : checkpoint.returnStatistics)
            }
            let queue = learning.makeQueue()
            let writer = CheckpointWriter(envName: spec.envName, architecture: architecture, plan: plan,
                                          isWriter: (configuration.job?.rank ?? 0) == 0, statistics: statistics, logger: logger)
            let writePeriodic: @Sendable (Learner, [UInt64]) -> Void = { learner, generator in
                writer.writePeriodic(learner: learner, generator: generator)
            }
            let periodic = plan == nil ? nil : writePeriodic
            // A job's counters, summed over its ranks each step: what rank 0 shows and logs.
            let counters: @Sendable () -> JobCounters = { statistics.value.map(JobCounters.init(server:)) ?? JobCounters() }
            let joinGroup: (@Sendable () -> DataParallelGroup)? = configuration.job == nil ? nil : DataParallelJob.joinGroup
            let loop = TrainingLoop(
                learner: learner, queue: queue, replay: learning.replay, seed: model.seed &+ UInt64(configuration.job?.rank ?? 0),
                generatorState: resume?.checkpoint.generatorState, checkpointSeconds: plan?.intervalSeconds,
                checkpoint: periodic, joinGroup: joinGroup, jobCounters: configuration.job == nil ? nil : counters)
            serverConfiguration.recording = .init(unrollLength: learning.settings.unrollLength, queue: queue,
                                                 returnDiscount: learning.settings.discount)
            serverConfiguration.framesTrained = { loop.progress.framesTrained }
            serverConfiguration.skippedUpdates = { loop.progress.skippedNonFiniteSteps }
            trainingService = TrainingService(loop: loop, writer: writer, drainSeconds: configuration.drainSeconds, logger: logger)
        }
        server = try LearnerServer(configuration: serverConfiguration, policy: policy, logger: logger)
        statistics.value = server.statistics
        if let checkpoint = resume?.checkpoint { server.statistics.restore(envSteps: checkpoint.envSteps, episodes: checkpoint.episodes) }
        training = trainingService?.loop
        self.trainingService = trainingService
        services = (trainingService.map { [$0] } ?? []) + [ServingService(server: server, feedsLearner: trainingService != nil),
                                                           heapTrimmer]
    }

    /// Checkpoints written and failed so far (nil when not training).
    public var checkpointCounts: (written: UInt64, failed: UInt64)? {
        trainingService.map { ($0.writer.written.current, $0.writer.failed.current) }
    }

    /// The checkpoint written when training stopped (nil before, or when serving only),
    /// and the file it went to (nil on ranks other than 0, which write nothing).
    public var finalCheckpoint: (checkpoint: Checkpoint, file: String?)? { trainingService?.finalCheckpoint }

    /// What GetStats says, for the whole job when this is one of its ranks (steps,
    /// episodes and streams summed over the ranks, the mean return averaged over the
    /// ranks that have finished episodes) as of the learner's last step.
    public func stats() -> StatsMessage {
        var stats = server.stats()
        guard job != nil, let counters = training?.progress.jobCounters else { return stats }
        stats.stepsServed = UInt64(counters.stepsServed)
        stats.episodesCompleted = UInt64(counters.episodes)
        stats.meanEpisodeReturn = counters.meanReturn
        stats.activeStreams = UInt32(clamping: Int(counters.streams))
        stats.envSteps = UInt64(counters.envSteps)
        return stats
    }

    /// Whether this rank's learner has stopped because the job stopped (another rank
    /// finished or was interrupted).
    public var jobHasStopped: Bool { job != nil && (training?.hasFinished ?? false) }

    /// A resume that turns reward normalisation on or off changes what the value head
    /// learns from mid-run: allowed, but said.
    private static func warnOfNormalizationChange(checkpoint: Checkpoint, settings: LearnerSettings, logger: Logger) {
        let saved = !checkpoint.returnStatistics.isEmpty, normalizes = settings.rewardNormalization == .returns
        if saved && !normalizes {
            logger.warning("the checkpoint's return statistics are dropped: this run does not normalise rewards (--reward-normalization none)")
        } else if !saved && normalizes {
            logger.warning("the return statistics start afresh: the checkpoint was trained without --reward-normalization return")
        }
    }

    /// Finds the checkpoint to resume (unless `--fresh`) and, on the writer, tidies the
    /// directory: moves an earlier run aside for `--fresh`, sets unusable newer files aside,
    /// removes temporaries of interrupted writes.
    private static func prepareCheckpoints(_ plan: CheckpointPlan?, isWriter: Bool, logger: Logger) throws
        -> (checkpoint: Checkpoint, file: String)? {
        guard let plan else { return nil }
        var resume: (Checkpoint, String)? = nil
        if !plan.fresh {
            let found = plan.directory.newestValid()
            for problem in found.rejected { logger.error("skipping a checkpoint that cannot be used", metadata: ["reason": "\(problem)"]) }
            if let checkpoint = found.checkpoint, let file = found.file { resume = (checkpoint, file) }
        }
        // Only the writer (rank 0) rearranges the directory; other ranks only read it.
        guard isWriter else { return resume }
        let preparation = try plan.directory.prepare(fresh: plan.fresh)
        if let moved = preparation.previousRunMovedTo {
            logger.warning("--fresh: the earlier run's checkpoints were moved aside", metadata: ["to": "\(moved)"])
        }
        for name in preparation.setAside {
            logger.warning("an unusable checkpoint newer than the one resumed was renamed", metadata: ["file": "\(name).rejected"])
        }
        for name in preparation.removedTemporaries {
            logger.info("removed the temporary file of an interrupted write", metadata: ["file": "\(name)"])
        }
        return resume
    }
}

extension JobCounters {
    init(server: ServerStatistics) {
        let episodes = server.episodeSummary
        self.init(stepsServed: server.servedSteps, episodes: episodes.completed, meanReturn: episodes.meanReturn,
                  streams: server.openStreams, envSteps: server.envSteps)
    }
}

/// The server's counters, for checkpoints taken on the learner thread; set once, right
/// after the server exists and before training starts.
final class StatisticsBox: @unchecked Sendable {
    var value: ServerStatistics?
}

/// A combination of settings this build cannot run, with the reason.
public struct UnsupportedConfiguration: Error, CustomStringConvertible {
    public let description: String
}

public struct CheckpointMismatch: Error, CustomStringConvertible {
    public let description: String
}

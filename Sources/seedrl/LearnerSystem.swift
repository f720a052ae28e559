import Contract
import InferenceServer
import LearnerLoop
import Logging
import Replay
import Wire

/// Where and how often the learner checkpoints, and whether it resumes.
struct CheckpointPlan {
    var directory: CheckpointDirectory
    var intervalSeconds: Double
    /// Ignore existing checkpoints and start afresh.
    var fresh: Bool
    /// The flags, for the checkpoint's configuration text.
    var configuration: String
}

/// The whole learner process assembled: parameter store, inference server and (unless
/// serving only) the training loop that shares its parameters, resumed from the newest
/// valid checkpoint when there is one.
final class LearnerSystem: @unchecked Sendable {
    // Immutable after init.
    let server: LearnerServer
    let training: TrainingLoop?
    let architecture: ModelArchitecture
    let spec: ObservationSpec
    let checkpoints: CheckpointPlan?
    /// The checkpoint this run continued from, if any.
    let resumedFrom: String?
    /// This process's rank in a data-parallel job (nil: a learner alone).
    let job: DataParallelJob?
    let logger: Logger

    /// - Parameter job: when this process is one rank of a data-parallel job: its learner
    ///   starts from rank 0's state, trains in step with the other ranks, and only rank 0
    ///   writes checkpoints.
    init(spec: ObservationSpec, listen: [String], serving: ServingOptions, learning: LearningOptions?,
         token: String?, security: ServerSecurity = .insecure, checkpoints: CheckpointPlan?,
         job: DataParallelJob? = nil, logger: Logger) throws {
        self.spec = spec
        self.job = job
        self.logger = logger
        self.checkpoints = checkpoints
        var resume: Checkpoint? = nil
        var resumedFile: String? = nil
        if let plan = checkpoints, !plan.fresh {
            let found = plan.directory.newestValid()
            for problem in found.rejected { logger.error("skipping a checkpoint that cannot be used", metadata: ["reason": "\(problem)"]) }
            resume = found.checkpoint
            resumedFile = found.file
        }
        // Only the writer (rank 0) rearranges the directory; other ranks only read it.
        if let plan = checkpoints, (job?.rank ?? 0) == 0 {
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
        }
        resumedFrom = resumedFile
        let hidden = try resume?.hiddenSizes ?? serving.hiddenSizes()
        architecture = ModelArchitecture(
            observation: spec.format,
            hiddenSizes: hidden, numActions: spec.numActions, lstmSize: resume.map { $0.lstmSize } ?? serving.coreSize)
        if let resume, resume.architecture != architecture {
            throw CheckpointMismatch(description: "\(resumedFile ?? "checkpoint") is for \(resume.envName) \(resume.observationShape) "
                + "with \(resume.numActions) actions; the server serves \(spec.shapeDescription) with \(spec.numActions) "
                + "(use another --logdir, or --fresh)")
        }
        let initial = resume.map { ParameterSnapshot(values: $0.parameters, version: $0.version) }
            ?? ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: serving.seed), version: 0)
        let store = ParameterStore(initial: initial, layout: architecture.layout)
        // A resumed sampler continues from a seed derived from the version, not from the
        // inference thread's exact state (that thread never pauses for a checkpoint).
        let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: serving.maxBatch,
                               seed: serving.seed &+ initial.version &* 0x9E37_79B9)

        var configuration = LearnerServerConfiguration(spec: spec, listenAddresses: listen)
        serving.apply(to: &configuration)
        configuration.token = token
        configuration.security = security
        var loop: TrainingLoop? = nil
        let statistics = StatisticsBox()
        if let learning {
            let learner = Learner(architecture: architecture, settings: learning.settings, store: store)
            if let resume {
                learner.restore(parameters: resume.parameters, optimizer: resume.optimizerFirst, resume.optimizerSecond,
                                steps: resume.optimizerSteps, framesTrained: resume.framesTrained)
            }
            let queue = learning.makeQueue()
            let envName = spec.envName
            let architecture = self.architecture
            var periodic: (@Sendable (Learner, [UInt64]) -> Void)? = nil
            if let plan = checkpoints {
                periodic = { learner, generator in
                    let checkpoint = LearnerSystem.checkpoint(
                        envName: envName, architecture: architecture, learner: learner, generator: generator,
                        statistics: statistics.value, configuration: plan.configuration)
                    do {
                        let file = try plan.directory.save(checkpoint)
                        logger.info("checkpoint written", metadata: ["file": "\(file)", "version": "\(checkpoint.version)"])
                    } catch {
                        // Training goes on; the last good checkpoint is untouched (atomic writes).
                        logger.error("checkpoint failed; training goes on", metadata: ["error": "\(error)"])
                    }
                }
            }
            // A job's counters, summed over its ranks each step: what rank 0 shows and logs.
            let jobCounters: (@Sendable () -> JobCounters)? = job.map { _ in
                { @Sendable in
                    guard let server = statistics.value else { return JobCounters() }
                    let episodes = server.episodeSummary
                    return JobCounters(stepsServed: server.servedSteps, episodes: episodes.completed, meanReturn: episodes.meanReturn,
                                       streams: server.openStreams, envSteps: server.envSteps)
                }
            }
            let trainingLoop = TrainingLoop(
                learner: learner, queue: queue, replay: learning.replay, seed: serving.seed &+ UInt64(job?.rank ?? 0),
                generatorState: resume?.generatorState, checkpointSeconds: checkpoints?.intervalSeconds, checkpoint: periodic,
                joinGroup: job.map { _ in DataParallelJob.joinGroup }, jobCounters: jobCounters)
            configuration.recording = .init(unrollLength: learning.unrollLength, queue: queue)
            configuration.framesTrained = { trainingLoop.progress.framesTrained }
            configuration.skippedUpdates = { trainingLoop.progress.skippedNonFiniteSteps }
            loop = trainingLoop
        }
        training = loop
        server = try LearnerServer(configuration: configuration, policy: policy, logger: logger)
        statistics.value = server.statistics
        if let resume { server.statistics.restore(envSteps: resume.envSteps, episodes: resume.episodes) }
    }

    func start() {
        training?.start()
        // A rank serves only once its learner holds rank 0's parameters.
        training?.waitUntilJoined()
        server.start()
    }

    /// What GetStats says, for the whole job when this is one of its ranks (steps,
    /// episodes and streams summed over the ranks, the mean return averaged over the
    /// ranks that have finished episodes) as of the learner's last step.
    func stats() -> StatsMessage {
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
    var jobHasStopped: Bool { job != nil && (training?.hasFinished ?? false) }

    /// Stops serving, then training; writes and returns the final checkpoint (nil when
    /// serving only). Throws when it cannot be written.
    @discardableResult
    func stop() throws -> (checkpoint: Checkpoint, file: String?)? {
        // Serving stops first; then the learner trains on what was queued (acknowledged
        // steps), so the final checkpoint includes them.
        server.shutdown(keepingUnrolls: training != nil)
        guard let training else { return nil }
        let framesBefore = training.progress.framesTrained
        training.stop(drainSeconds: Self.drainSeconds)
        let stopped = training.progress
        logger.info("trained on the queued unrolls before the final checkpoint", metadata: [
            "frames": "\(stopped.framesTrained - framesBefore)",
            "discarded_unrolls": "\(stopped.unrollsDiscardedAtStop)"])
        let checkpoint = Self.checkpoint(
            envName: spec.envName, architecture: architecture, learner: training.stoppedLearner,
            generator: training.stoppedGeneratorState, statistics: server.statistics,
            configuration: checkpoints?.configuration ?? "")
        // Every rank holds the same parameters; rank 0 writes them for the job.
        guard let plan = checkpoints, (job?.rank ?? 0) == 0 else { return (checkpoint, nil) }
        return (checkpoint, try plan.directory.save(checkpoint))
    }

    /// Longest a stopping learner trains on what is queued before the final checkpoint.
    static let drainSeconds = 10.0

    static func checkpoint(envName: String, architecture: ModelArchitecture, learner: Learner, generator: [UInt64],
                           statistics: ServerStatistics?, configuration: String) -> Checkpoint {
        var checkpoint = Checkpoint(envName: envName, architecture: architecture, version: learner.store.version,
                                    framesTrained: learner.framesTrained, parameters: learner.parameters,
                                    optimizer: learner.optimizer)
        checkpoint.envSteps = statistics?.envSteps ?? 0
        checkpoint.episodes = statistics?.episodeSummary.completed ?? 0
        checkpoint.generatorState = generator
        checkpoint.configuration = configuration
        return checkpoint
    }
}

/// The server's counters, for checkpoints taken on the learner thread; set once, right
/// after the server exists and before training starts.
private final class StatisticsBox: @unchecked Sendable {
    var value: ServerStatistics?
}

struct CheckpointMismatch: Error, CustomStringConvertible {
    let description: String
}

import InferenceServer
import LearnerLoop
import Model
import Logging
import Telemetry

/// Turns the learner's state into checkpoints: periodic ones on the learner thread
/// (a failure is logged and training goes on; the last good file is untouched) and the
/// final one (a failure is the caller's to report). In a data-parallel job every rank
/// holds the same parameters and only rank 0 writes.
final class CheckpointWriter: @unchecked Sendable {
    // Immutable after init; `statistics.value` is set before training starts.
    private let envName: String
    private let architecture: ModelArchitecture
    let plan: CheckpointPlan?
    private let isWriter: Bool
    private let statistics: StatisticsBox
    private let logger: Logger
    /// Checkpoints written and failed (periodic and final).
    let written = AtomicCounter(), failed = AtomicCounter()

    init(envName: String, architecture: ModelArchitecture, plan: CheckpointPlan?, isWriter: Bool,
         statistics: StatisticsBox, logger: Logger) {
        self.envName = envName
        self.architecture = architecture
        self.plan = plan
        self.isWriter = isWriter
        self.statistics = statistics
        self.logger = logger
    }

    /// The learner's state with the server's counters.
    func checkpoint(learner: Learner, generator: [UInt64]) -> Checkpoint {
        var checkpoint = Checkpoint(envName: envName, architecture: architecture, version: learner.store.version,
                                    framesTrained: learner.framesTrained, parameters: learner.parameters,
                                    optimizer: learner.optimizer)
        checkpoint.envSteps = statistics.value?.envSteps ?? 0
        checkpoint.episodes = statistics.value?.episodeSummary.completed ?? 0
        checkpoint.generatorState = generator
        checkpoint.returnStatistics = learner.savedReturnStatistics ?? []
        checkpoint.algorithm = learner.settings.algorithm.rawValue
        checkpoint.configuration = plan?.configuration ?? ""
        return checkpoint
    }

    func writePeriodic(learner: Learner, generator: [UInt64]) {
        guard let plan, isWriter else { return }
        let checkpoint = checkpoint(learner: learner, generator: generator)
        do {
            let file = try plan.directory.save(checkpoint)
            written.add()
            logger.info("checkpoint written", metadata: ["file": "\(file)", "version": "\(checkpoint.version)"])
        } catch {
            failed.add()
            logger.error("checkpoint failed; training goes on", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the final checkpoint (rank 0 only); returns its file, nil where nothing is written.
    func writeFinal(_ checkpoint: Checkpoint) throws -> String? {
        guard let plan, isWriter else { return nil }
        do {
            let file = try plan.directory.save(checkpoint)
            written.add()
            return file
        } catch {
            failed.add()
            throw error
        }
    }
}

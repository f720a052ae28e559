import LearnerLoop
import Model
import Logging

/// The learner thread as a service. Started first: in a data-parallel job it joins the
/// job and adopts rank 0's state before the server serves anything. Stopped last: it
/// trains on what the stopped server left queued (acknowledged steps, for at most the
/// drain time), then writes the final checkpoint.
final class TrainingService: Service, @unchecked Sendable {
    // `finalCheckpoint` is written by `shutdown` and read after it.
    let name = "training"
    let loop: TrainingLoop
    let writer: CheckpointWriter
    private let drainSeconds: Double
    private let logger: Logger
    private(set) var finalCheckpoint: (checkpoint: Checkpoint, file: String?)?

    init(loop: TrainingLoop, writer: CheckpointWriter, drainSeconds: Double, logger: Logger) {
        self.loop = loop
        self.writer = writer
        self.drainSeconds = drainSeconds
        self.logger = logger
    }

    func start() throws {
        loop.start()
        loop.waitUntilJoined()
    }

    /// Throws when the final checkpoint cannot be written.
    func shutdown() throws {
        let framesBefore = loop.progress.framesTrained
        loop.stop(drainSeconds: drainSeconds)
        let stopped = loop.progress
        logger.info("trained on the queued unrolls before the final checkpoint", metadata: [
            "frames": "\(stopped.framesTrained - framesBefore)", "discarded_unrolls": "\(stopped.unrollsDiscardedAtStop)"])
        let checkpoint = writer.checkpoint(learner: loop.stoppedLearner, generator: loop.stoppedGeneratorState)
        finalCheckpoint = (checkpoint, nil)
        finalCheckpoint = (checkpoint, try writer.writeFinal(checkpoint))
    }
}

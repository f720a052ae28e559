import ArgumentParser
import LearnerLoop

/// Checkpointing flags shared by `server` and `train`.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Seconds between checkpoints while training (also written on SIGINT/SIGTERM).")
    var checkpointSecs: Double = 600

    @Option(help: "Checkpoints kept in the log directory (the newest).")
    var keepCheckpoints: Int = 3

    @Flag(help: "Start afresh even if the log directory holds checkpoints (by default the newest valid one is resumed).")
    var fresh = false

    func validate() throws {
        if !(checkpointSecs > 0) { throw ValidationError("--checkpoint-secs must be positive") }
        if keepCheckpoints < 1 { throw ValidationError("--keep-checkpoints must be at least 1") }
    }

    func plan(logdir: String) -> CheckpointPlan {
        CheckpointPlan(directory: CheckpointDirectory(path: logdir, keep: keepCheckpoints),
                       intervalSeconds: checkpointSecs, fresh: fresh,
                       configuration: redactedCommandLine())
    }
}

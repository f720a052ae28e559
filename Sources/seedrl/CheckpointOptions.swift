import ArgumentParser
import LearnerLoop
import Model
import Runtime

/// Checkpointing flags shared by `server` and `train`.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Seconds between checkpoints while training (also written on SIGINT/SIGTERM).")
    var checkpointSeconds: Double = 600

    @Option(name: .customLong("checkpoint-secs"), help: .hidden)
    var legacyCheckpointSecs: Double?

    @Option(help: "Checkpoints kept in the log directory (the newest).")
    var keepCheckpoints: Int = 3

    @Flag(help: "Start afresh even if the log directory holds checkpoints (they are moved into previous-run-N/; by default the newest valid one is resumed).")
    var fresh = false

    var interval: Double { legacyCheckpointSecs ?? checkpointSeconds }

    func validate() throws {
        try checkSeconds(interval, "--checkpoint-seconds", exclusive: true)
        if keepCheckpoints < 1 { throw ValidationError("--keep-checkpoints must be at least 1") }
    }

    func plan(logdir: String) -> CheckpointPlan {
        CheckpointPlan(directory: CheckpointDirectory(path: logdir, keep: keepCheckpoints),
                       intervalSeconds: interval, fresh: fresh, configuration: redactedCommandLine())
    }
}

#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import InferenceServer
import LearnerLoop
import Logging
import Threading

/// `seedrl train`: the one-command demo. A learner in this process, actor processes
/// over loopback gRPC, progress on the terminal, metrics and a checkpoint on disk; stops
/// when the last-100 mean return reaches the target.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train with local actor processes until the target return (exit 0 only if reached).")

    @Option(help: "Environment: cartpole, acrobot, mountaincar, catch, synthetic-frames.")
    var env: String = "cartpole"

    @Option(help: "Actor processes.")
    var actors: Int = 2

    @Option(help: "Environments per actor process.")
    var envsPerActor: Int = 16

    @Option(help: "Directory for metrics.jsonl, actor logs and checkpoints (resumed from unless --fresh).")
    var logdir: String = "runs/cartpole"

    @Option(help: "Stop when the mean return of the last 100 episodes reaches this.")
    var targetReturn: Double = 475

    @Option(help: "Stop (unsuccessfully) after this many environment steps.")
    var maxSteps: UInt64 = 2_000_000

    @Option(help: "Seconds between progress lines and metric records.")
    var progressSeconds: Double = 1

    @OptionGroup(title: "Serving") var serving: ServingOptions
    @OptionGroup(title: "Learning") var learning: LearningOptions
    @OptionGroup(title: "Checkpoints") var checkpointing: CheckpointOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if actors < 1 || envsPerActor < 1 { throw ValidationError("--actors and --envs-per-actor must be at least 1") }
        if KnownEnvironments.spec(named: env) == nil { throw ValidationError("unknown environment '\(env)'") }
        if progressSeconds <= 0 { throw ValidationError("--progress-seconds must be positive") }
    }

    func run() throws {
        logging.bootstrap()
        BLAS.useSingleThread()
        let logger = Logger(label: "seedrl.train")
        let spec = KnownEnvironments.spec(named: env)!
        try AtomicFile.makeDirectories(logdir)
        let metrics = try LineFile(path: "\(logdir)/metrics.jsonl")
        let system = try LearnerSystem(spec: spec, listen: ["127.0.0.1:0"], serving: serving, learning: learning,
                                       token: nil, checkpoints: checkpointing.plan(logdir: logdir), logger: logger)
        system.start()
        if let resumed = system.resumedFrom { Console.line("seedrl train: resumed from \(resumed)") }
        let target = "127.0.0.1:\(system.server.boundPorts[0])"
        let stop = StopFlag()
        Signals.onTermination { _ in stop.set() }
        var children: [ChildProcess] = []
        for index in 0..<actors {
            children.append(try ChildProcess(arguments: [
                "actor", "--server", target, "--env", env, "--envs", "\(envsPerActor)",
                "--seed", "\(serving.seed &* 7919 &+ UInt64(index))", "--log-level", "warning", "--status-seconds", "10",
            ], output: "\(logdir)/actor-\(index).log"))
        }
        Console.line("seedrl train: \(spec.envName), \(actors) actors × \(envsPerActor) envs, learner on \(target), "
            + "target return \(format(targetReturn)), logs in \(logdir)")

        let start = MonotonicClock.now()
        var last = (time: start, steps: UInt64(0))
        var reached = false
        var reason = "stopped"
        while true {
            if stop.wait(seconds: progressSeconds) { reason = "interrupted"; break }
            let stats = system.server.stats()
            let progress = system.training?.progress ?? TrainingProgress()
            let now = MonotonicClock.now()
            let elapsed = Double(now - start) / 1e9
            let rate = Double(stats.stepsServed - last.steps) / (Double(now - last.time) / 1e9)
            last = (now, stats.stepsServed)
            let report = progress.last
            let fields: [(String, String)] = [
                ("time_s", format(elapsed, decimals: 2)),
                ("env_steps", "\(stats.stepsServed)"),
                ("speed/env_steps_per_s", format(rate, decimals: 0)),
                ("episode/count", "\(stats.episodesCompleted)"),
                ("episode/return", format(stats.meanEpisodeReturn, decimals: 2)),
                ("learner/version", "\(stats.modelVersion)"),
                ("learner/frames_trained", "\(progress.framesTrained)"),
                ("learner/policy_lag", format(report.policyLag, decimals: 2)),
                ("losses/policy", format(Double(report.policyLoss), decimals: 4)),
                ("losses/baseline", format(Double(report.baselineLoss), decimals: 4)),
                ("losses/entropy", format(Double(report.entropy), decimals: 4)),
                ("inference/batch_size", format(stats.meanBatchSize, decimals: 2)),
            ]
            metrics.append("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
            let losses = "losses pg \(format(Double(report.policyLoss), decimals: 3)) "
                + "v \(format(Double(report.baselineLoss), decimals: 2)) H \(format(Double(report.entropy), decimals: 3))"
            let counters = "\(format(elapsed))s  steps \(stats.stepsServed)  \(format(rate, decimals: 0))/s  "
                + "episodes \(stats.episodesCompleted)  return \(format(stats.meanEpisodeReturn))"
            Console.status(counters + "  " + losses + "  version \(stats.modelVersion)  "
                + "batch \(format(stats.meanBatchSize))  lag \(format(report.policyLag))")
            if stats.episodesCompleted >= 100 && stats.meanEpisodeReturn >= targetReturn {
                reached = true
                reason = "target reached"
                break
            }
            if stats.stepsServed >= maxSteps { reason = "step budget of \(maxSteps) spent"; break }
            if children.allSatisfy({ $0.poll() != nil }) { reason = "every actor exited (see \(logdir)/actor-*.log)"; break }
        }
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        let final = system.server.stats()
        children.forEach { $0.signal(SIGTERM) }
        children.forEach { $0.wait(seconds: 5) }
        let saved = try system.stop()
        let checkpointFile = saved?.file ?? "(none)"
        Console.line("seedrl train: \(reason) after \(format(elapsed))s and \(final.stepsServed) env steps: "
            + "mean return \(format(final.meanEpisodeReturn)) over the last 100 episodes, model version \(final.modelVersion); "
            + "checkpoint \(checkpointFile)")
        if !reached { throw ExitCode(1) }
    }
}

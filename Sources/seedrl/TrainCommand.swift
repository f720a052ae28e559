import Files
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import InferenceServer
import LearnerLoop
import RunLog
import Logging
import Threading
import LinearAlgebra

/// `seedrl train`: the one-command demo. A learner in this process, actor processes
/// over loopback gRPC, progress on the terminal, metrics and a checkpoint on disk; stops
/// when the last-100 mean return reaches the target.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train with local actor processes until the target return (exit 0 only if reached).")

    @Option(help: "Environment: cartpole, acrobot, mountaincar, catch, recall, synthetic-frames.")
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

    @Flag(help: "No progress line, only the summary.")
    var quiet = false

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
        // Under mpirun each process is one rank: a learner with its own actors, training in
        // step with the others; rank 0 shows the job's progress, decides when it is done,
        // and writes metrics and checkpoints.
        let job = DataParallelJob.launched()
        let rank = job?.rank ?? 0
        let leader = rank == 0
        logging.bootstrap()
        BLAS.useSingleThread()
        let logger = Logger(label: "seedrl.train")
        let files = ProcessLimits.raiseOpenFiles()
        logger.debug("open-file limit", metadata: ["before": "\(files.before)", "now": "\(files.after)"])
        let spec = KnownEnvironments.spec(named: env)!
        let actorLogs = leader ? logdir : "\(logdir)/rank-\(rank)"
        try AtomicFile.makeDirectories(actorLogs)
        let metrics = leader ? try MetricsLog(directory: logdir, wallTime: wallClockSeconds()) : nil
        // Every local actor is the same peer (loopback): the per-peer limit must admit them all.
        var serving = self.serving
        if serving.maxStreamsPerPeer > 0 { serving.maxStreamsPerPeer = max(serving.maxStreamsPerPeer, actors * envsPerActor) }
        let system = try LearnerSystem(spec: spec, listen: ["127.0.0.1:0"], serving: serving, learning: learning,
                                       token: nil, checkpoints: checkpointing.plan(logdir: logdir), job: job, logger: logger)
        system.start()
        if let resumed = system.resumedFrom, leader { Console.line("seedrl train: resumed from \(resumed)") }
        let target = "127.0.0.1:\(system.server.boundPorts[0])"
        let stop = StopFlag()
        Signals.onTermination { _ in stop.set() }
        if let training = system.training { Signals.onCheckpointRequest { training.requestCheckpoint() } }
        var children: [ChildProcess] = []
        for index in 0..<actors {
            children.append(try ChildProcess(arguments: [
                "actor", "--server", target, "--env", env, "--envs", "\(envsPerActor)",
                "--seed", "\(serving.seed &* 7919 &+ UInt64(rank * actors + index))", "--log-level", "warning", "--status-seconds", "10",
            ], output: "\(actorLogs)/actor-\(index).log"))
        }
        let ranks = job.map { " × \($0.size) learner ranks" } ?? ""
        if leader {
            Console.line("seedrl train: \(spec.envName), \(actors) actors × \(envsPerActor) envs\(ranks), learner on \(target), "
                + "target return \(format(targetReturn)), logs in \(logdir)")
        }

        var sampler = ProgressSampler(system: system)
        var reached = false
        var reason = "stopped"
        while true {
            if stop.wait(seconds: leader ? progressSeconds : 0.25) { reason = "interrupted"; break }
            // Another rank ended the job (rank 0 reached the target, or one was interrupted).
            if system.jobHasStopped { reason = "the job stopped"; break }
            guard leader else { continue }
            let reading = sampler.read()
            metrics?.record(step: Int64(reading.envSteps), wallTime: wallClockSeconds(), scalars: reading.scalars)
            let s = reading.stats, report = s.report
            let losses = "losses pg \(format(Double(report.policyLoss), decimals: 3)) "
                + "v \(format(Double(report.baselineLoss), decimals: 2)) H \(format(Double(report.entropy), decimals: 3))"
            let counters = "\(format(reading.elapsed))s  steps \(reading.envSteps)  \(format(s.stepsPerSecond, decimals: 0))/s  "
                + "episodes \(s.episodes)  return \(format(s.meanReturn))"
            if !quiet {
                Console.status(counters + "  " + losses + "  version \(s.version)  batch \(format(s.batch))  lag \(format(report.policyLag))")
            }
            let stats = (episodesCompleted: s.episodes, meanEpisodeReturn: s.meanReturn, stepsServed: reading.envSteps)
            if stats.episodesCompleted >= 100 && stats.meanEpisodeReturn >= targetReturn {
                reached = true
                reason = "target reached"
                break
            }
            if stats.stepsServed >= maxSteps { reason = "step budget of \(maxSteps) spent"; break }
            if children.allSatisfy({ $0.poll() != nil }) { reason = "every actor exited (see \(logdir)/actor-*.log)"; break }
        }
        let elapsed = Double(MonotonicClock.now() - sampler.start) / 1e9
        let final = system.stats()
        children.forEach { $0.signal(SIGTERM) }
        children.forEach { $0.wait(seconds: 5) }
        let saved = try system.stop()
        let checkpointFile = saved?.file ?? "(none)"
        guard leader else { return }
        Console.line("seedrl train: \(reason) after \(format(elapsed))s and \(final.envSteps) env steps: "
            + "mean return \(format(final.meanEpisodeReturn)) over the last 100 episodes, model version \(final.modelVersion); "
            + "checkpoint \(checkpointFile)")
        if !reached { throw ExitCode(1) }
    }
}

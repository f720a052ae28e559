import ArgumentParser
import Environments
import Files
import InferenceServer
import Logging
import RunLog
import Runtime
import Threading

/// `seedrl train`: the one-command demo. A learner in this process, actor processes
/// over loopback gRPC, progress on the terminal, metrics and a checkpoint on disk; stops
/// when the last-100 mean return reaches the target.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train with local actor processes until the target return (exit 0 only if reached).")

    @OptionGroup var environment: GymnasiumEnvironmentOption

    @Option(help: "Actor processes. (default: 1)")
    var actors: Int?

    @Option(help: "Environments per actor process. (default: 64; 32 for gym: and atari:)")
    var envsPerActor: Int?

    @Option(help: "Environments per ActBatch stream of each actor (default: all of its environments on one stream; 1: one Act stream each).")
    var lanes: Int?

    @Option(help: "Directory for metrics.jsonl, actor logs and checkpoints (resumed from unless --fresh). (default: runs/ENV)")
    var logdir: String?

    @Option(help: "Stop when the mean return of the last 100 episodes reaches this (default: the environment's solved return; without one, run the whole budget).")
    var targetReturn: Double?

    @Option(help: "Stop (unsuccessfully, when there is a target) after this many environment steps. (default: 2,000,000; 5,000,000 for MinAtar)")
    var maxSteps: UInt64?

    @Option(help: "Seconds between progress lines and metric records.")
    var progressSeconds: Double = 1

    @Flag(help: "No progress line, only the summary.")
    var quiet = false

    @OptionGroup(title: "Serving") var serving: ServingOptions
    @OptionGroup(title: "Learning") var learning: LearningOptions
    @OptionGroup(title: "Checkpoints") var checkpointing: CheckpointOptions
    @OptionGroup(title: "Monitoring") var monitoring: MetricsOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if (actors ?? 1) < 1 || (envsPerActor ?? 1) < 1 { throw ValidationError("--actors and --envs-per-actor must be at least 1") }
        try checkSeconds(progressSeconds, "--progress-seconds", exclusive: true)
    }

    func run() throws {
        // Under mpirun each process is one rank: a learner with its own actors, training in
        // step with the others; rank 0 shows the job's progress, decides when it is done,
        // and writes metrics and checkpoints.
        let job = DataParallelJob.launched()
        let rank = job?.rank ?? 0, leader = rank == 0
        logging.bootstrap()
        let logger = Logger(label: "seedrl.train")
        ProcessLimits.raiseOpenFiles()
        let environment = try TrainingEnvironment.resolve(self.environment, command: "train")
        // Each task its own directory by default: a run of another task must not try to
        // resume this one's checkpoint.
        let logdir = self.logdir ?? "runs/\(environment.directoryName)"
        let task = environment.defaults
        let target = targetReturn ?? environment.solvedReturn
        let actors = self.actors ?? task.actors, envsPerActor = self.envsPerActor ?? task.environmentsPerActor
        let maxSteps = self.maxSteps ?? task.maxSteps
        var server = LearnerServerConfiguration(spec: environment.spec, listenAddresses: ["127.0.0.1:0"])
        serving.apply(to: &server, training: true)
        // Every local actor is the same peer (loopback): the per-peer limit must admit them all.
        server.maxStreamsPerPeer = server.maxStreamsPerPeer.map { max($0, actors * envsPerActor) }
        var configuration = LearnerConfiguration(server: server)
        configuration.model = serving.model(for: task)
        configuration.learning = try learning.configuration(for: task, budget: maxSteps)
        configuration.checkpoints = checkpointing.plan(logdir: logdir)
        configuration.job = job
        let actorLogs = leader ? logdir : "\(logdir)/rank-\(rank)"
        try AtomicFile.makeDirectories(actorLogs)
        let system = try LearnerSystem(configuration: configuration, logger: logger)
        let metrics = leader ? try MetricsLog.create(in: logdir) : nil
        let prometheus = try monitoring.service(for: system)
        for warning in ExposureWarnings.of(host: "127.0.0.1", security: .insecure, token: nil,
                                           metricsHost: try monitoring.endpoint()?.host) {
            logger.warning("\(warning)")
        }
        let address = "127.0.0.1:\(system.server.boundPorts[0])"
        let fleet = ActorFleet(plan: .init(target: address, program: environment.program, processes: actors,
                                           environmentsPerProcess: envsPerActor, lanes: lanes,
                                           seed: serving.seed &* 7919 &+ UInt64(rank * actors), logDirectory: actorLogs))
        let quiet = self.quiet
        let run = LearnerRun(system: system, logger: logger) { run in
            [ProgressMonitor(system: system, periodSeconds: progressSeconds, metrics: metrics,
                             rule: StopRule(targetReturn: target, maxEnvSteps: maxSteps),
                             extraStopCheck: { fleet.allExited ? .actorsExited : nil },
                             report: { if !quiet { Console.status(StatusLine.train($0)) } },
                             stopRun: { [weak run] in run?.stop($0) })] + prometheus + [fleet]
        }
        if leader {
            if let resumed = system.resumedFrom { Console.line("seedrl train: resumed from \(resumed)") }
            Console.line("seedrl train: \(system.spec.envName), \(actors) actors × \(envsPerActor) envs"
                + "\(job.map { " × \($0.size) learner ranks" } ?? ""), learner on \(address), "
                + "target return \(target.map { format($0) } ?? "none (the whole budget)"), logs in \(logdir)")
        }
        run.installSignalHandlers()  // before run.json, which scripts wait for before signalling
        var card = leader ? RunCard(command: "seedrl " + redactedCommandLine(), system: system) : nil
        try card?.write(to: logdir)
        let started = MonotonicClock.now()
        let outcome = try run.run()
        let wall = Double(MonotonicClock.now() - started) / 1e9
        card?.finish(system: system, wallSeconds: wall, reason: "\(outcome.reason)", checkpoint: outcome.checkpoint?.file)
        try card?.write(to: logdir)
        if let failure = outcome.failures.first {
            Console.error("seedrl train: the final checkpoint could not be written: \(failure.error)")
            throw ExitCode(1)
        }
        guard leader else { return }
        let final = system.stats()
        let reason = outcome.reason == .actorsExited ? "every actor exited (see \(logdir)/actor-*.log)" : "\(outcome.reason)"
        Console.line("seedrl train: \(reason) after \(format(wall))s and \(final.envSteps) env steps: "
            + "mean return \(format(final.meanEpisodeReturn)) over the last 100 episodes, model version \(final.modelVersion); "
            + "checkpoint \(outcome.checkpoint?.file ?? "(none)")")
        let succeeded = target == nil ? outcome.reason == .budgetSpent(maxSteps) : outcome.reason == .targetReached
        if !succeeded { throw ExitCode(1) }
    }
}

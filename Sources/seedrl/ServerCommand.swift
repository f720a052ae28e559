import ArgumentParser
import InferenceServer
import LearnerLoop
import Model
import Logging
import RunLog
import Runtime
import Threading

/// `seedrl server`: the learner, serving actors until SIGINT/SIGTERM/SIGHUP.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Serve inference to actors over gRPC (the learner).")

    @OptionGroup var spec: SpecOptions
    @OptionGroup var serving: ServingOptions
    @OptionGroup(title: "Learning") var learning: LearningOptions
    @OptionGroup(title: "Checkpoints") var checkpointing: CheckpointOptions
    @OptionGroup(title: "TLS") var tls: ServerTLSOptions
    @OptionGroup(title: "Authentication") var tokens: TokenOptions
    @OptionGroup(title: "Monitoring") var monitoring: MetricsOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Address to listen on; 127.0.0.1 keeps it to this machine, 0.0.0.0 or [::] opens it.")
    var host: String = "127.0.0.1"

    @Option(help: "TCP port; 0 picks a free one.")
    var port: Int = 8686

    @Option(help: "Also listen on this unix socket path.")
    var unix: String?

    @Flag(help: "Serve inference only, never train.")
    var noTrain = false

    @Option(help: "With --no-train: serve this checkpoint's policy (a file, or a log directory's newest valid checkpoint); nothing is written to it.")
    var checkpoint: String?

    @Option(help: "Directory for checkpoints (resumed from on start unless --fresh, written every --checkpoint-seconds and on SIGINT/SIGTERM), metrics.jsonl and TensorBoard event files.")
    var logdir: String?

    @Option(help: "Seconds between status lines (and metric records with --logdir).")
    var statusSeconds: Double = 5

    @Flag(help: "No status line.")
    var quiet = false

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535") }
        try checkSeconds(statusSeconds, "--status-seconds", exclusive: true)
        if checkpoint != nil && !noTrain {
            throw ValidationError("--checkpoint serves a trained policy and needs --no-train (to go on training, use --logdir)")
        }
    }

    func run() throws {
        // Under mpirun (or srun) each process is one rank of a data-parallel job (with
        // --no-train the ranks only serve, each on its own port, from the same seed).
        let job = DataParallelJob.launched()
        let leader = (job?.rank ?? 0) == 0
        logging.bootstrap()
        let logger = Logger(label: "seedrl.server")
        ProcessLimits.raiseOpenFiles()
        let port = job?.port(base: self.port) ?? self.port
        var addresses = ["\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(port)"]
        if let unix { addresses.append("unix:\(job.map { "\(unix).\($0.rank)" } ?? unix)") }
        var server = LearnerServerConfiguration(spec: try spec.resolve(default: nil), listenAddresses: addresses)
        serving.apply(to: &server, training: !noTrain)
        server.token = try tokens.resolve()
        server.security = try tls.security()
        for warning in ExposureWarnings.of(host: host, security: server.security, token: server.token,
                                           metricsHost: try monitoring.endpoint()?.host) {
            logger.warning("\(warning)")
        }
        let task: TaskDefaults
        if case .gymnasium? = spec.env {
            task = .of(external: server.spec)
        } else {
            task = .of(spec.env?.known, action: server.spec.action)
        }
        var configuration = LearnerConfiguration(server: server)
        configuration.model = serving.model(for: task)
        configuration.learning = noTrain ? nil : try learning.configuration(for: task)
        configuration.checkpoints = noTrain ? nil : logdir.map(checkpointing.plan(logdir:))
        if let checkpoint {
            do {
                configuration.servedCheckpoint = (try CheckpointDirectory.load(checkpoint) { Console.error("seedrl server: skipping \($0)") },
                                                  checkpoint)
            } catch {
                Console.error("seedrl server: \(error)")
                throw ExitCode(1)
            }
        }
        configuration.job = job

        let system: LearnerSystem, metrics: MetricsLog?, prometheus: [Service]
        do {
            system = try LearnerSystem(configuration: configuration, logger: logger)
            // A job's metrics are rank 0's (which shows the job's counters).
            metrics = try logdir.flatMap { leader ? $0 : nil }.map { try MetricsLog.create(in: $0) }
            prometheus = try monitoring.service(for: system)
        } catch {
            Console.error("seedrl server: \(error)")
            throw ExitCode(1)
        }
        let training = system.training != nil, quiet = self.quiet
        let run = LearnerRun(system: system, logger: logger) { run in
            [ProgressMonitor(system: system, periodSeconds: statusSeconds, metrics: metrics,
                             report: { if !quiet { Console.status(StatusLine.server($0, training: training)) } },
                             stopRun: { [weak run] in run?.stop($0) })] + prometheus
        }
        if let resumed = system.resumedFrom {
            Console.line("seedrl server: \(checkpoint == nil ? "resumed from" : "serving the policy of") \(resumed)")
        }
        let spec = system.spec
        Console.line("seedrl server: \(job.map { "rank \($0.rank) of \($0.size): " } ?? "")"
            + "\(training ? "training and serving" : "serving") \(spec.envName) \(spec.shapeDescription), "
            + "actions \(spec.action.description) on \(host):\(system.server.boundPorts[0])"
            + (unix.map { " and unix:\($0)" } ?? "") + (server.token == nil ? "" : " (token required)")
            + (tls.tlsCert == nil ? "" : tls.tlsClientCa == nil ? " over TLS" : " over mutual TLS"))
        // Handlers first: a script that waits for run.json and then sends SIGTERM must find
        // them installed (the default action would end the process with 143, no checkpoint).
        run.installSignalHandlers()
        var card = leader ? logdir.map { _ in RunCard(command: "seedrl " + redactedCommandLine(), system: system) } : nil
        if let logdir { try card?.write(to: logdir) }
        let started = MonotonicClock.now()
        let outcome = try run.run()
        card?.finish(system: system, wallSeconds: Double(MonotonicClock.now() - started) / 1e9, reason: "\(outcome.reason)",
                     checkpoint: outcome.checkpoint?.file)
        if let logdir { try card?.write(to: logdir) }
        Console.line("seedrl server: stopping")
        if let failure = outcome.failures.first {
            Console.error("seedrl server: the final checkpoint could not be written: \(failure.error)")
            throw ExitCode(1)
        }
        if let checkpoint = outcome.checkpoint, let file = checkpoint.file {
            Console.line("seedrl server: checkpoint (version \(checkpoint.version)) written to \(file)")
        }
        let final = system.server.stats()
        Console.line("seedrl server: stopped after \(final.envSteps) env steps (\(final.stepsServed) actions served)")
        if case .listenerLost(let reason) = outcome.reason {
            Console.error("seedrl server: \(reason)")
            throw ExitCode(1)
        }
    }
}

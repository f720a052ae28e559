import Files
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import InferenceServer
import LearnerLoop
import Logging
import RunLog
import Threading
import LinearAlgebra

/// `seedrl server`: the learner, serving actors until SIGINT/SIGTERM.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Serve inference to actors over gRPC (the learner).")

    @OptionGroup var spec: SpecOptions
    @OptionGroup var serving: ServingOptions
    @OptionGroup(title: "Learning") var learning: LearningOptions
    @OptionGroup(title: "Checkpoints") var checkpointing: CheckpointOptions
    @OptionGroup(title: "TLS") var tls: ServerTLSOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Address to listen on; 127.0.0.1 keeps it to this machine, 0.0.0.0 or [::] opens it.")
    var host: String = "127.0.0.1"

    @Option(help: "TCP port; 0 picks a free one.")
    var port: Int = 8686

    @Option(help: "Also listen on this unix socket path.")
    var unix: String?

    @OptionGroup(title: "Authentication") var tokens: TokenOptions

    @Flag(help: "Serve inference only, never train.")
    var noTrain = false

    @Option(help: "Directory for checkpoints (resumed from on start unless --fresh, written every --checkpoint-secs and on SIGINT/SIGTERM), metrics.jsonl and TensorBoard event files.")
    var logdir: String?

    @Option(help: "Seconds between status lines (and metric records with --logdir).")
    var statusSeconds: Double = 5

    @Flag(help: "No status line.")
    var quiet = false

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535") }
        if statusSeconds <= 0 { throw ValidationError("--status-seconds must be positive") }
    }

    func run() throws {
        // Under mpirun (or srun) each process is one rank of a data-parallel job (with
        // --no-train the ranks only serve, each on its own port, from the same seed).
        let job = DataParallelJob.launched()
        let leader = (job?.rank ?? 0) == 0
        logging.bootstrap()
        let logger = Logger(label: "seedrl.server")
        BLAS.useSingleThread()
        let files = ProcessLimits.raiseOpenFiles()
        logger.debug("open-file limit", metadata: ["before": "\(files.before)", "now": "\(files.after)"])
        let observationSpec = try spec.resolve(default: nil)
        let port = job?.port(base: self.port) ?? self.port
        var addresses = ["\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(port)"]
        if let unix { addresses.append("unix:\(job.map { "\(unix).\($0.rank)" } ?? unix)") }
        let token = try tokens.resolve()
        let security = try tls.security()
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
        if !loopback, case .insecure = security, token == nil {
            logger.warning("listening beyond loopback without TLS or a token: anyone who can reach \(host):\(port) can act and read the model's actions; use --tls-cert/--tls-key and --token-file")
        } else if !loopback, case .insecure = security {
            logger.warning("a token is required but travels in plaintext beyond loopback: anyone on the path can read and reuse it; add --tls-cert/--tls-key")
        }
        let system: LearnerSystem
        do {
            system = try LearnerSystem(spec: observationSpec, listen: addresses, serving: serving,
                                       learning: noTrain ? nil : learning, token: token, security: security,
                                       checkpoints: noTrain ? nil : logdir.map(checkpointing.plan(logdir:)), job: job,
                                       logger: logger)
        } catch {
            Console.error("seedrl server: \(error)")
            throw ExitCode(1)
        }
        let server = system.server
        system.start()
        if let resumed = system.resumedFrom { Console.line("seedrl server: resumed from \(resumed)") }
        let rankName = job.map { "rank \($0.rank) of \($0.size): " } ?? ""
        Console.line("seedrl server: \(rankName)\(noTrain ? "serving" : "training and serving") \(observationSpec.envName) \(observationSpec.shapeDescription), "
            + "\(observationSpec.numActions) actions on \(host):\(server.boundPorts[0])"
            + (unix.map { " and unix:\($0)" } ?? "") + (token == nil ? "" : " (token required)") + (tls.tlsCert == nil ? "" : tls.tlsClientCa == nil ? " over TLS" : " over mutual TLS"))

        let stop = StopFlag()
        Signals.onTermination { _ in stop.set() }
        if let training = system.training { Signals.onCheckpointRequest { training.requestCheckpoint() } }
        let metrics: MetricsLog?
        do {
            // A job's metrics are rank 0's (which shows the job's counters).
            metrics = try logdir.flatMap { leader ? $0 : nil }.map { directory in
                try AtomicFile.makeDirectories(directory)
                return try MetricsLog(directory: directory, wallTime: wallClockSeconds())
            }
        } catch {
            Console.error("seedrl server: \(error)")
            throw ExitCode(1)
        }
        var sampler = ProgressSampler(system: system)
        // A rank also stops when its job does (another rank ended it): look often.
        let poll = job == nil ? statusSeconds : min(statusSeconds, 0.25)
        var nextStatus = MonotonicClock.now()
        while !stop.wait(seconds: poll) {
            if system.jobHasStopped { break }
            guard MonotonicClock.now() >= nextStatus else { continue }
            nextStatus = MonotonicClock.now() + UInt64(statusSeconds * 1e9)
            let reading = sampler.read()
            metrics?.record(step: Int64(reading.envSteps), wallTime: wallClockSeconds(), scalars: reading.scalars)
            if quiet || !leader { continue }
            let s = reading.stats
            var line = "steps \(reading.envSteps)  \(format(s.stepsPerSecond, decimals: 0)) steps/s  streams \(s.streams)  "
                + "batch \(format(s.batch))  episodes \(s.episodes)  return \(format(s.meanReturn))  version \(s.version)"
            if system.training != nil { line += "  trained \(s.framesTrained)  lag \(format(s.report.policyLag))" }
            Console.status(line)
        }
        Console.line("seedrl server: stopping")
        do {
            if let saved = try system.stop(), let file = saved.file {
                Console.line("seedrl server: checkpoint (version \(saved.checkpoint.version)) written to \(file)")
            }
        } catch {
            Console.error("seedrl server: the final checkpoint could not be written: \(error)")
            throw ExitCode(1)
        }
        let final = server.stats()
        Console.line("seedrl server: stopped after \(final.envSteps) env steps (\(final.stepsServed) actions served)")
    }
}

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

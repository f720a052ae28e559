import ActorClient
import ArgumentParser
import Runtime
import Logging
import Threading

/// `seedrl actor`: environments on this machine, inference on the learner.
struct ActorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor",
        abstract: "Run environments against a learner over one connection: as lanes of ActBatch streams, or one Act stream each.")

    @Option(help: "The learner: HOST:PORT or unix:PATH; a comma-separated list (the ranks of a data-parallel job) spreads the environments over them.")
    var server: String

    @OptionGroup var environment: EnvironmentOption

    @Option(help: "Environments in this process.")
    var envs: Int = 16

    @Option(help: "Environments per ActBatch stream (default: all of them, on as few streams as the server's max_lanes allows; 1: one Act stream per environment).")
    var lanes: Int?

    @OptionGroup(title: "Authentication") var tokens: TokenOptions

    @Option(help: "Seed of the environments.")
    var seed: UInt64 = 1

    @Option(help: "Longest wait between reconnect attempts, in seconds (backoff doubles from 0.1 s, ±20% jitter).")
    var maxBackoffSeconds: Double = 5

    @Option(name: .customLong("max-backoff"), help: .hidden)
    var legacyMaxBackoff: Double?

    @Option(help: "How long to wait for an unreachable learner at start, in seconds.")
    var connectTimeoutSeconds: Double = 60

    @Option(name: .customLong("connect-timeout"), help: .hidden)
    var legacyConnectTimeout: Double?

    var maxBackoff: Double { legacyMaxBackoff ?? maxBackoffSeconds }
    var connectTimeout: Double { legacyConnectTimeout ?? connectTimeoutSeconds }

    @Option(help: "Keepalive ping period in seconds: a dead link is noticed within about twice this (0: off).")
    var keepaliveSeconds: Double = 5

    @Option(help: "Seconds between status lines.")
    var statusSeconds: Double = 5

    @Flag(help: "No status line.")
    var quiet = false

    @OptionGroup(title: "TLS") var tls: ClientTLSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if envs < 1 { throw ValidationError("--envs must be at least 1") }
        if let lanes, lanes < 1 { throw ValidationError("--lanes must be at least 1") }
        try checkSeconds(statusSeconds, "--status-seconds", exclusive: true)
        try checkSeconds(maxBackoff, "--max-backoff-seconds", minimum: 0.1)
        try checkSeconds(connectTimeout, "--connect-timeout-seconds")
        try checkSeconds(keepaliveSeconds, "--keepalive-seconds")
    }

    func run() throws {
        logging.bootstrap()
        var base = ActorConfiguration(target: "", environment: environment.env.rawValue)
        base.token = try tokens.resolve()
        base.environments = envs
        base.lanes = lanes
        base.seed = seed
        base.backoff.maxSeconds = maxBackoff
        base.keepaliveMilliseconds = keepaliveSeconds > 0 ? Int(keepaliveSeconds * 1000) : nil
        base.security = try tls.security()
        let process = ActorProcess(base: base, targets: server.split(separator: ",").map(String.init),
                                   connectTimeoutSeconds: connectTimeout) { Console.line("seedrl actor: \($0)") }
        let stop = StopFlag()
        Signals.onTermination { _ in stop.set() }
        do { try process.start(stop: stop) } catch {
            process.stop()
            Console.error("seedrl actor: \(error)")
            throw ExitCode(1)
        }
        var last = (time: MonotonicClock.now(), steps: UInt64(0))
        // Checked often so a fatal error ends the actor at once, whatever --status-seconds is.
        while !stop.wait(seconds: min(statusSeconds, 0.2)) && process.fatalError == nil {
            guard Double(MonotonicClock.now() - last.time) / 1e9 >= statusSeconds else { continue }
            let progress = process.progress, now = MonotonicClock.now()
            let rate = Double(progress.steps - last.steps) / (Double(now - last.time) / 1e9)
            last = (now, progress.steps)
            if !quiet { Console.status(StatusLine.actor(progress, stepsPerSecond: rate)) }
        }
        process.stop()
        if let error = process.fatalError {
            Console.error("seedrl actor: stopped: \(error)")
            throw ExitCode(1)
        }
    }
}

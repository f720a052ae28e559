import ActorClient
import ArgumentParser
import Runtime
import Logging
import Threading

/// `seedrl actor`: environments on this machine, inference on the learner.
struct ActorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor",
        abstract: "Run environments against a learner: one Act stream per environment over one connection.")

    @Option(help: "The learner: HOST:PORT or unix:PATH; a comma-separated list (the ranks of a data-parallel job) spreads the environments over them.")
    var server: String

    @OptionGroup var environment: EnvironmentOption

    @Option(help: "Environments (streams) in this process.")
    var envs: Int = 16

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
        if statusSeconds <= 0 { throw ValidationError("--status-seconds must be positive") }
        if maxBackoff < 0.1 { throw ValidationError("--max-backoff-seconds must be at least 0.1") }
    }

    /// The learners to spread the environments over (a data-parallel job has one per rank).
    private var targets: [String] { server.split(separator: ",").map { String($0) } }

    func run() throws {
        logging.bootstrap()
        let targets = self.targets
        let token = try tokens.resolve()
        // Environment i goes to learner i mod N; each learner's share has its own seeds.
        let configurations = targets.enumerated().compactMap { index, target -> ActorConfiguration? in
            let share = envs / targets.count + (index < envs % targets.count ? 1 : 0)
            guard share > 0 else { return nil }
            var configuration = ActorConfiguration(target: target, environment: environment.env.rawValue)
            configuration.token = token
            configuration.environments = share
            configuration.seed = seed &+ UInt64(index) &* 0x9E37_79B9
            configuration.backoff.maxSeconds = maxBackoff
            configuration.keepaliveMilliseconds = keepaliveSeconds > 0 ? Int(keepaliveSeconds * 1000) : nil
            return configuration
        }
        let security = try tls.security()
        let stop = StopFlag()
        Signals.onTermination { _ in stop.set() }
        var actors: [ActorLoop] = []
        for var configuration in configurations {
            configuration.security = security
            actors.append(try start(configuration, stop: stop))
        }
        var last = (time: MonotonicClock.now(), steps: UInt64(0))
        // Checked often so a fatal error ends the actor at once, whatever --status-seconds is.
        while !stop.wait(seconds: min(statusSeconds, 0.2)) {
            if actors.contains(where: { $0.error != nil }) { break }
            guard Double(MonotonicClock.now() - last.time) / 1e9 >= statusSeconds else { continue }
            let progress = ActorProgress.combined(actors.map(\.progress))
            let now = MonotonicClock.now()
            let rate = Double(progress.steps - last.steps) / (Double(now - last.time) / 1e9)
            last = (now, progress.steps)
            if !quiet { Console.status("steps \(progress.steps)  \(format(rate, decimals: 0)) steps/s  episodes \(progress.episodes)  "
                + "return \(format(progress.meanReturn))  reconnects \(progress.reconnects)"
                + (progress.waiting > 0 ? "  waiting to reconnect \(progress.waiting)" : "")) }
        }
        actors.forEach { $0.stop() }
        if let error = actors.lazy.compactMap(\.error).first {
            Console.error("seedrl actor: stopped: \(error)")
            throw ExitCode(1)
        }
    }

    /// Starts one learner's share. The learner may not be up yet (a cluster job starts
    /// everything at once): waits for it with the same backoff, for at most --connect-timeout-seconds.
    private func start(_ configuration: ActorConfiguration, stop: StopFlag) throws -> ActorLoop {
        var actor = ActorLoop(configuration: configuration)
        let giveUp = MonotonicClock.now() + UInt64(connectTimeout * 1e9)
        var attempt = 0
        while true {
            do {
                try actor.start()
                return actor
            } catch ActorError.rpc(let error) where error.code == .unavailable && MonotonicClock.now() < giveUp && !stop.isSet {
                attempt += 1
                if attempt == 1 { Console.line("seedrl actor: waiting for the learner at \(configuration.target) (\(error.message))") }
                _ = stop.wait(seconds: configuration.backoff.delay(attempt: attempt, unit: 0.5))
                // A fresh channel: the core backs a failed one off for seconds on its own.
                actor.stop()
                actor = ActorLoop(configuration: configuration)
            } catch {
                Console.error("seedrl actor: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

import ArgumentParser
import Runtime
import Threading
import Wire

/// `seedrl stats`: a server's GetStats, once or as a live table with rates.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show a server's counters (GetStats): once, or --watch for a live view with rates.")

    @Option(help: "The server: HOST:PORT or unix:PATH.")
    var server: String = "127.0.0.1:8686"

    @Option(help: "Instead of asking a server: summarise the run in this log directory (its run.json).")
    var logdir: String?

    @OptionGroup(title: "Authentication") var tokens: TokenOptions

    @Flag(help: "Refresh every --interval-seconds until interrupted.")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var intervalSeconds: Double = 1

    @Option(name: .customLong("interval"), help: .hidden)
    var legacyInterval: Double?

    var interval: Double { legacyInterval ?? intervalSeconds }

    @Flag(help: "One JSON object per reading.")
    var json = false

    @OptionGroup(title: "TLS") var tls: ClientTLSOptions

    func validate() throws {
        try checkSeconds(interval, "--interval-seconds", exclusive: true)
    }

    func run() throws {
        if let logdir { return try summarise(logdir) }
        let channel = WireChannel(target: server, token: try tokens.resolve(), security: try tls.security())
        let stop = StopFlag()
        if watch { Signals.onTermination { _ in stop.set() } }
        var previous: (time: UInt64, stats: StatsMessage)? = nil
        if !json && watch { Console.line(StatsTable.header) }
        repeat {
            let stats: StatsMessage
            do { stats = try channel.getStats(timeoutMilliseconds: 5000) } catch {
                Console.error("seedrl stats: \(server): \(error)")
                throw ExitCode(2)
            }
            let now = MonotonicClock.now()
            let seconds = previous.map { Double(now - $0.time) / 1e9 } ?? 0
            let stepRate = previous.map { Double(stats.stepsServed &- $0.stats.stepsServed) / seconds } ?? 0
            let trainRate = previous.map { Double(stats.framesTrained &- $0.stats.framesTrained) / seconds } ?? 0
            if json {
                Console.line(JSONLine.encode(StatsRecord(stats, stepsPerSecond: stepRate, framesTrainedPerSecond: trainRate)))
            } else if watch {
                Console.status(StatsTable.row(stats, stepRate: stepRate, trainRate: trainRate))
            } else {
                Console.line(StatsTable.header)
                Console.line(StatsTable.row(stats, stepRate: stepRate, trainRate: trainRate))
            }
            previous = (now, stats)
        } while watch && !stop.wait(seconds: interval)
        if watch && !json { Console.line("") }
    }
}

/// One `seedrl stats --json` line: GetStats and the rates since the previous reading.
struct StatsRecord: Encodable {
    let stepsServed: UInt64, activeStreams: UInt32, modelVersion: UInt64, episodesCompleted: UInt64
    let meanEpisodeReturn: Double, framesTrained: UInt64, meanBatchSize: Double, envSteps: UInt64
    let skippedUpdates: UInt64, authFailures: UInt64, stepsPerS: Double, framesTrainedPerS: Double

    init(_ s: StatsMessage, stepsPerSecond: Double, framesTrainedPerSecond: Double) {
        (stepsServed, activeStreams, modelVersion, episodesCompleted) = (s.stepsServed, s.activeStreams, s.modelVersion, s.episodesCompleted)
        (meanEpisodeReturn, framesTrained, meanBatchSize, envSteps) = (s.meanEpisodeReturn, s.framesTrained, s.meanBatchSize, s.envSteps)
        (skippedUpdates, authFailures) = (s.skippedUpdates, s.authFailures)
        (stepsPerS, framesTrainedPerS) = (stepsPerSecond, framesTrainedPerSecond)
    }

    enum CodingKeys: String, CodingKey {
        case stepsServed = "steps_served", activeStreams = "active_streams", modelVersion = "model_version"
        case episodesCompleted = "episodes_completed", meanEpisodeReturn = "mean_episode_return", framesTrained = "frames_trained"
        case meanBatchSize = "mean_batch_size", envSteps = "env_steps", skippedUpdates = "skipped_updates"
        case authFailures = "auth_failures", stepsPerS = "steps_per_s", framesTrainedPerS = "frames_trained_per_s"
    }
}

extension StatsCommand {
    /// The run card of `logdir`, as text or JSON.
    func summarise(_ logdir: String) throws {
        let card: RunCard
        do { card = try RunCard.read(from: logdir) } catch {
            Console.error("seedrl stats: \(logdir)/run.json: \(error)")
            throw ExitCode(2)
        }
        if json {
            Console.line(JSONLine.encode(card))
            return
        }
        Console.line("\(card.command)")
        Console.line("seedrl \(card.seedrlVersion) at \(card.gitCommit), started \(card.startedAt)")
        Console.line("\(card.machine.cpuModel), \(card.machine.cores) cores, \(card.machine.os); \(card.machine.openblas); gRPC core \(card.machine.grpcCore); \(card.machine.mpi)")
        Console.line("\(card.environment) \(card.observation), \(card.actions) actions; \(card.model.torso) torso, \(card.model.parameters) parameters, seed \(card.seed)")
        guard let r = card.results else { return Console.line("still running (no results yet)") }
        Console.line("\(r.exitReason): \(r.envSteps) env steps, \(r.episodes) episodes, last-100 return \(format(r.finalLast100Return)), "
            + "\(format(r.wallSeconds)) s, \(format(r.envStepsPerSecond, decimals: 0)) env steps/s, "
            + "\(format(r.cpuSecondsPerMillionEnvSteps)) CPU-s per million env steps, peak RSS \(format(r.peakResidentBytes / 1_048_576, decimals: 0)) MiB")
    }
}

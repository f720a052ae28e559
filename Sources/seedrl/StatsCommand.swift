import ArgumentParser
import Threading
import Wire

/// `seedrl stats`: a server's GetStats, once or as a live table with rates.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show a server's counters (GetStats): once, or --watch for a live view with rates.")

    @Option(help: "The server: HOST:PORT or unix:PATH.")
    var server: String = "127.0.0.1:8686"

    @OptionGroup(title: "Authentication") var tokens: TokenOptions

    @Flag(help: "Refresh every --interval seconds until interrupted.")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var interval: Double = 1

    @Flag(help: "One JSON object per reading.")
    var json = false

    @OptionGroup(title: "TLS") var tls: ClientTLSOptions

    func validate() throws {
        if !(interval > 0) { throw ValidationError("--interval must be positive") }
    }

    func run() throws {
        let channel = WireChannel(target: server, token: try tokens.resolve(), security: try tls.security())
        let stop = StopFlag()
        if watch { Signals.onTermination { _ in stop.set() } }
        var previous: (time: UInt64, stats: StatsMessage)? = nil
        if !json && watch { Console.line(Self.header) }
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
                Console.line("{\"steps_served\":\(stats.stepsServed),\"active_streams\":\(stats.activeStreams),"
                    + "\"model_version\":\(stats.modelVersion),\"episodes_completed\":\(stats.episodesCompleted),"
                    + "\"mean_episode_return\":\(format(stats.meanEpisodeReturn, decimals: 3)),"
                    + "\"frames_trained\":\(stats.framesTrained),\"mean_batch_size\":\(format(stats.meanBatchSize, decimals: 2)),"
                    + "\"env_steps\":\(stats.envSteps),\"skipped_updates\":\(stats.skippedUpdates),\"auth_failures\":\(stats.authFailures),"
                    + "\"steps_per_s\":\(format(stepRate, decimals: 1)),\"frames_trained_per_s\":\(format(trainRate, decimals: 1))}")
            } else if watch {
                Console.status(Self.row(stats, stepRate: stepRate, trainRate: trainRate))
            } else {
                Console.line(Self.header)
                Console.line(Self.row(stats, stepRate: stepRate, trainRate: trainRate))
            }
            previous = (now, stats)
        } while watch && !stop.wait(seconds: interval)
        if watch && !json { Console.line("") }
    }

    static let header = pad("steps served", 14) + pad("steps/s", 10) + pad("streams", 9) + pad("version", 9)
        + pad("episodes", 10) + pad("return", 9) + pad("trained", 12) + pad("trained/s", 11) + pad("batch", 7)

    static func row(_ s: StatsMessage, stepRate: Double, trainRate: Double) -> String {
        pad("\(s.stepsServed)", 14) + pad(format(stepRate, decimals: 0), 10) + pad("\(s.activeStreams)", 9)
            + pad("\(s.modelVersion)", 9) + pad("\(s.episodesCompleted)", 10) + pad(format(s.meanEpisodeReturn), 9)
            + pad("\(s.framesTrained)", 12) + pad(format(trainRate, decimals: 0), 11) + pad(format(s.meanBatchSize), 7)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : String(repeating: " ", count: width - text.count) + text
    }
}

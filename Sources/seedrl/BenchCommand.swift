import Files
import ActorClient
import Foundation
import ArgumentParser
import Environments
import Runtime
import InferenceServer
import LearnerLoop
import Model
import RunLog
import Logging
import Threading
import Wire
import LinearAlgebra

/// `seedrl bench`: queries per second and latency of Act round trips.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure QPS and latency of a server (by default one started in-process on loopback).")

    @Option(help: "Server to measure (HOST:PORT or unix:PATH); without it, an embedded server is started.")
    var server: String?

    @Option(help: "Concurrent streams; a comma list runs each in turn, e.g. 1,16,64.")
    var streams: String = "64"

    @Option(help: "Lanes per message: each stream is an ActBatch stream of this many environments (0: Act streams, one environment each).")
    var lanes: Int = 0

    @Option(help: "Measured seconds per run.")
    var seconds: Double = 5

    @Option(help: "Warm-up seconds before measuring.")
    var warmupSeconds: Double = 1

    @Option(name: .customLong("warmup"), help: .hidden)
    var legacyWarmup: Double?

    @Option(help: "Client connections the streams are spread over.")
    var connections: Int = 1

    @Option(help: "Client poller threads.")
    var clientThreads: Int = 1

    @Option(help: "Send LAST every N steps (0: never).")
    var episodeLength: Int = 0

    @OptionGroup(title: "Authentication") var tokens: TokenOptions

    @Flag(help: "Print one JSON object per run instead of text.")
    var json = false

    @Flag(help: "No progress line while measuring.")
    var quiet = false

    @Option(help: "Also write an SVG of QPS per stream count and the latency distributions.")
    var plot: String?

    @OptionGroup(title: "Embedded server spec") var spec: SpecOptions
    @OptionGroup(title: "Embedded server") var serving: ServingOptions
    @OptionGroup(title: "TLS (with --server)") var tls: ClientTLSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        let counts = try streamCounts()
        if counts.isEmpty { throw ValidationError("--streams needs at least one count") }
        try checkSeconds(seconds, "--seconds", exclusive: true)
        try checkSeconds(warmup, "--warmup-seconds")
        if connections < 1 || clientThreads < 1 { throw ValidationError("--connections and --client-threads must be at least 1") }
        if lanes < 0 { throw ValidationError("--lanes must not be negative") }
        if server != nil && (spec.env != nil || spec.obsShape != nil) {
            throw ValidationError("with --server the spec comes from the server's GetSpec; drop --env/--obs-shape")
        }
    }

    var warmup: Double { legacyWarmup ?? warmupSeconds }

    func streamCounts() throws -> [Int] {
        let counts = streams.split(separator: ",").map { Int($0) }
        guard counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--streams must be positive integers separated by commas, got '\(streams)'")
        }
        return counts.map { $0! }
    }

    func run() throws {
        logging.bootstrap()
        let stop = StopFlag()
        Signals.onTermination { _ in stop.set() }
        var embedded: LearnerServer? = nil
        var target = server ?? ""
        if server == nil {
            BLAS.useSingleThread()
            let observationSpec = try spec.resolve(default: KnownEnvironment.cartpole.spec)
            var server = LearnerServerConfiguration(spec: observationSpec, listenAddresses: ["127.0.0.1:0"])
            serving.apply(to: &server, training: false)
            server.maxStreams = max(server.maxStreams, try streamCounts().max()! * max(lanes, 1))
            server.maxLanes = max(server.maxLanes, lanes)
            server.maxStreamsPerPeer = server.maxStreamsPerPeer.map { max($0, server.maxStreams) }
            server.token = try tokens.resolve()
            var configuration = LearnerConfiguration(server: server)
            configuration.model = serving.model()
            let started = try LearnerSystem(configuration: configuration, logger: Logger(label: "seedrl.bench.server")).server
            started.start()
            embedded = started
            target = "127.0.0.1:\(started.boundPorts[0])"
            if !json {
                Console.line("embedded server: \(observationSpec.envName) \(observationSpec.shapeDescription), "
                    + "max batch \(serving.maxBatch), max delay \(format(serving.maxDelay * 1e6, decimals: 0)) µs, on \(target)")
            }
        }
        defer { embedded?.shutdown() }

        var failed = false
        var reports: [LoadReport] = []
        defer { if let plot { Self.writePlot(reports, to: plot) } }
        for count in try streamCounts() where !stop.isSet {
            var load = LoadConfiguration(target: target)
            load.token = try tokens.resolve()
            load.streams = count
            load.lanes = lanes
            load.connections = connections
            load.pollerThreads = clientThreads
            load.seconds = seconds
            load.warmupSeconds = warmup
            load.episodeLength = episodeLength
            load.seed = serving.seed
            load.security = try tls.security()
            let report: LoadReport
            do {
                report = try LoadGenerator(configuration: load).run { progress in
                    guard !json, !quiet, Console.isTerminal else { return }
                    Console.status("\(count) streams  \(progress.warmingUp ? "warming up" : "measuring")  "
                        + "\(format(progress.elapsedSeconds))s  messages \(progress.roundTrips)"
                        + (progress.failedStreams > 0 ? "  failed streams \(progress.failedStreams)" : ""))
                }
            } catch {
                Console.error("seedrl bench: cannot reach \(target): \(error)")
                throw ExitCode(2)
            }
            failed = failed || !report.errors.isEmpty || report.badReplies > 0
            reports.append(report)
            Console.line(json ? BenchReportFormat.json(report, server: server ?? "embedded") : BenchReportFormat.text(report))
        }
        if failed { throw ExitCode(1) }
    }
}

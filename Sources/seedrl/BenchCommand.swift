import Files
import ActorClient
import Foundation
import ArgumentParser
import Environments
import Runtime
import InferenceServer
import LearnerLoop
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

    @Option(help: "Concurrent Act streams; a comma list runs each in turn, e.g. 1,16,64.")
    var streams: String = "64"

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
        if seconds <= 0 || warmup < 0 { throw ValidationError("--seconds must be positive and --warmup-seconds not negative") }
        if connections < 1 || clientThreads < 1 { throw ValidationError("--connections and --client-threads must be at least 1") }
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
            serving.apply(to: &server)
            server.maxStreams = max(server.maxStreams, try streamCounts().max()!)
            server.maxStreamsPerPeer = server.maxStreamsPerPeer.map { max($0, server.maxStreams) }
            server.token = try tokens.resolve()
            var configuration = LearnerConfiguration(server: server)
            configuration.model = serving.model
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
                        + "\(format(progress.elapsedSeconds))s  round trips \(progress.roundTrips)"
                        + (progress.failedStreams > 0 ? "  failed streams \(progress.failedStreams)" : ""))
                }
            } catch {
                Console.error("seedrl bench: cannot reach \(target): \(error)")
                throw ExitCode(2)
            }
            failed = failed || !report.errors.isEmpty
            reports.append(report)
            Console.line(json ? BenchReportFormat.json(report, server: server ?? "embedded") : BenchReportFormat.text(report))
        }
        if failed { throw ExitCode(1) }
    }
}

extension BenchCommand {
    static func writePlot(_ reports: [LoadReport], to path: String) {
        guard !reports.isEmpty else { return }
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
        let qps = SVGChart(title: "Throughput", xLabel: "concurrent streams", yLabel: "Actions per second",
                           series: [.init(name: "QPS", points: reports.map { (Double($0.streams), $0.queriesPerSecond) }, color: colors[0])])
        var qpsLog = qps
        qpsLog.logX = true
        var latency = SVGChart(
            title: "Round-trip latency", xLabel: "latency (µs)", yLabel: "share of round trips (%)",
            series: reports.enumerated().map { index, report in
                // Eight bins per doubling: the histogram's own 64 are too fine to read.
                let total = Double(max(report.latency.count, 1))
                var bins: [Int: UInt64] = [:]
                for bucket in report.latency.buckets where bucket.nanoseconds > 0 {
                    bins[Int((log2(Double(bucket.nanoseconds)) * 8).rounded(.down)), default: 0] += bucket.count
                }
                return .init(name: "\(report.streams) streams", points: bins.keys.sorted().map { bin in
                    (pow(2, (Double(bin) + 0.5) / 8) / 1000, 100 * Double(bins[bin]!) / total)
                }, color: colors[index % colors.count])
            })
        latency.logX = true
        do {
            try AtomicFile.write(Array(SVGChart.document([qpsLog, latency]).utf8), to: path)
            Console.line("seedrl bench: plot written to \(path)")
        } catch {
            Console.error("seedrl bench: \(error)")
        }
    }
}

enum BenchReportFormat {
    static func micros(_ nanoseconds: UInt64) -> String { format(Double(nanoseconds) / 1000, decimals: 0) }

    static func text(_ report: LoadReport) -> String {
        let latency = report.latency
        var text = "streams \(report.streams)  obs \(report.observationBytes) B  "
            + "qps \(format(report.queriesPerSecond, decimals: 0))  "
            + "latency µs p50 \(micros(latency.quantile(0.5))) p90 \(micros(latency.quantile(0.9))) "
            + "p99 \(micros(latency.quantile(0.99))) max \(micros(latency.maximum))"
        if let batch = report.serverMeanBatch { text += "  server mean batch \(format(batch))" }
        for (code, entry) in report.errors.sorted(by: { $0.key < $1.key }) {
            text += "\n  \(entry.count) streams failed with \(code): \(entry.message)"
        }
        return text
    }

    static func json(_ report: LoadReport, server: String) -> String {
        let latency = report.latency
        let record = BenchRecord(
            server: server, streams: report.streams, obsBytes: report.observationBytes, seconds: report.seconds,
            roundTrips: report.roundTrips, qps: report.queriesPerSecond,
            p50Us: Double(latency.quantile(0.5)) / 1000, p90Us: Double(latency.quantile(0.9)) / 1000,
            p99Us: Double(latency.quantile(0.99)) / 1000, maxUs: Double(latency.maximum) / 1000,
            meanBatch: report.serverMeanBatch, errors: report.errors.mapValues(\.count))
        return JSONLine.encode(record)
    }
}

/// One `seedrl bench --json` line.
struct BenchRecord: Encodable {
    let server: String
    let streams: Int
    let obsBytes: Int
    let seconds: Double
    let roundTrips: UInt64
    let qps: Double
    let p50Us: Double, p90Us: Double, p99Us: Double, maxUs: Double
    let meanBatch: Double?
    let errors: [String: Int]

    enum CodingKeys: String, CodingKey {
        case server, streams, obsBytes = "obs_bytes", seconds, roundTrips = "round_trips", qps
        case p50Us = "p50_us", p90Us = "p90_us", p99Us = "p99_us", maxUs = "max_us", meanBatch = "mean_batch", errors
    }
}

import ActorClient
import Files
import Foundation
import RunLog
import Runtime

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
            + (report.lanes > 0
                ? "lanes/message \(report.lanes)  messages/s \(format(report.queriesPerSecond, decimals: 0))  "
                    + "env steps/s \(format(report.envStepsPerSecond, decimals: 0))  "
                : "qps \(format(report.queriesPerSecond, decimals: 0))  ")
            + "latency µs p50 \(micros(latency.quantile(0.5))) p90 \(micros(latency.quantile(0.9))) "
            + "p99 \(micros(latency.quantile(0.99))) max \(micros(latency.maximum))"
        if let batch = report.serverMeanBatch { text += "  server mean batch \(format(batch)) rows" }
        if report.badReplies > 0 { text += "\n  \(report.badReplies) ActionBatches held the wrong number of actions" }
        for (code, entry) in report.errors.sorted(by: { $0.key < $1.key }) {
            text += "\n  \(entry.count) streams failed with \(code): \(entry.message)"
        }
        return text
    }

    static func json(_ report: LoadReport, server: String) -> String {
        let latency = report.latency
        let record = BenchRecord(
            server: server, streams: report.streams, lanes: report.lanes, obsBytes: report.observationBytes, seconds: report.seconds,
            roundTrips: report.roundTrips, qps: report.queriesPerSecond, envStepsPerS: report.envStepsPerSecond,
            badReplies: report.badReplies,
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
    let lanes: Int
    let obsBytes: Int
    let seconds: Double
    let roundTrips: UInt64
    /// Messages per second (= env steps per second for Act).
    let qps: Double
    let envStepsPerS: Double
    let badReplies: UInt64
    let p50Us: Double, p90Us: Double, p99Us: Double, maxUs: Double
    let meanBatch: Double?
    let errors: [String: Int]

    enum CodingKeys: String, CodingKey {
        case server, streams, lanes, obsBytes = "obs_bytes", seconds, roundTrips = "round_trips", qps
        case envStepsPerS = "env_steps_per_s", badReplies = "bad_replies"
        case p50Us = "p50_us", p90Us = "p90_us", p99Us = "p99_us", maxUs = "max_us", meanBatch = "mean_batch", errors
    }
}

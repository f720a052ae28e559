import ArgumentParser
import Runtime
import Foundation
import RunLog

/// `seedrl plot`: the learning curve and throughput of a run, as SVG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot a run's learning curve and throughput (from LOGDIR/metrics.jsonl) as SVG.")

    @Option(help: "The run's log directory (written by seedrl train or seedrl server --logdir).")
    var logdir: String

    @Option(help: "Output file (default: LOGDIR/progress.svg).")
    var out: String?

    func run() throws {
        let path = "\(logdir)/metrics.jsonl"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        let records = text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        guard !records.isEmpty else { throw ValidationError("\(path) holds no records") }
        func series(_ key: String) -> [(x: Double, y: Double)] {
            records.compactMap { record in
                guard let x = (record["env_steps"] as? NSNumber)?.doubleValue,
                      let y = (record[key] as? NSNumber)?.doubleValue else { return nil }
                return (x, y)
            }
        }
        // The run card names what ran (seedrl train/server --logdir write it).
        let card = try? RunCard.read(from: logdir)
        let title = card.map { "\($0.environment), \($0.model.torso) torso, seed \($0.seed)" } ?? "Learning curve"
        let curve = SVGChart(title: title, xLabel: "environment steps", yLabel: "return",
                             series: [.init(name: "mean return, last 100 episodes", points: series("episode/return"), color: "#1f77b4")])
        let speed = SVGChart(title: "Throughput", xLabel: "environment steps", yLabel: "per second",
                             series: [.init(name: "env steps/s", points: series("speed/env_steps_per_s"), color: "#2ca02c"),
                                      .init(name: "frames trained/s", points: series("speed/frames_trained_per_s"), color: "#d62728")])
        let destination = out ?? "\(logdir)/progress.svg"
        try SVGChart.document([curve, speed]).write(toFile: destination, atomically: true, encoding: .utf8)
        Console.line("seedrl plot: \(records.count) records → \(destination)")
    }
}

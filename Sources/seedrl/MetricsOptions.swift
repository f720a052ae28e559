import ArgumentParser
import Runtime

/// `--metrics-address`, for the commands that run a learner.
struct MetricsOptions: ParsableArguments {
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1; plain HTTP, keep it on loopback or a private network).")
    var metricsAddress: String?

    func validate() throws { _ = try endpoint() }

    /// (host, port), or nil when not asked for.
    func endpoint() throws -> (host: String, port: Int)? {
        guard let metricsAddress else { return nil }
        let parts = metricsAddress.split(separator: ":", omittingEmptySubsequences: false)
        let host = parts.count > 1 ? parts.dropLast().joined(separator: ":").trimmingCharacters(in: "[]") : "127.0.0.1"
        guard let port = Int(parts.last ?? ""), (0...65535).contains(port) else {
            throw ValidationError("--metrics-address must be HOST:PORT or PORT, got '\(metricsAddress)'")
        }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    /// The /metrics service for `system`, or none.
    func service(for system: LearnerSystem) throws -> [Service] {
        guard let (host, port) = try endpoint() else { return [] }
        return [try MetricsService(host: host, port: port, exporter: MetricsExporter(system: system))]
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

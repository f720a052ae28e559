#if canImport(Glibc)
import Glibc
#endif

/// One record per period in two forms people already read: a JSON-lines file
/// (`metrics.jsonl`) and TensorBoard event files, with scalars named by prefix as SEED
/// and cleanrl do (`episode/return`, `losses/policy`, `speed/env_steps_per_s`, …).
public final class MetricsLog {
    private let jsonl: Int32
    private let events: EventFileWriter

    public init(directory: String, wallTime: Double) throws(MetricsError) {
        let path = "\(directory)/metrics.jsonl"
        jsonl = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard jsonl >= 0 else { throw MetricsError("cannot open \(path): \(String(cString: strerror(errno)))") }
        events = try EventFileWriter(directory: directory, wallTime: wallTime)
    }

    deinit { close(jsonl) }

    public var eventFile: String { events.path }

    /// Appends one record; `step` (env steps) is TensorBoard's x axis.
    public func record(step: Int64, wallTime: Double, scalars: [(String, Double)]) {
        var line = "{\"time\":\(json(wallTime)),\"env_steps\":\(step)"
        for (name, value) in scalars { line += ",\"\(name)\":\(json(value))" }
        line += "}\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(jsonl, $0.baseAddress, $0.count) }
        events.write(step: step, wallTime: wallTime, scalars: scalars)
    }

    private func json(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }
}

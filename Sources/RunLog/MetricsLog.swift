#if canImport(Glibc)
import Glibc
#endif
import Files
import Foundation
import Threading

/// One record per period in two forms people already read: a JSON-lines file
/// (`metrics.jsonl`) and TensorBoard event files, with scalars named by prefix as SEED
/// and cleanrl do (`episode/return`, `losses/policy`, `speed/env_steps_per_s`, …).
public final class MetricsLog {
    private let jsonl: Int32
    private let events: EventFileWriter

    public init(directory: String, wallTime: Double) throws(MetricsError) {
        let path = "\(directory)/metrics.jsonl"
        jsonl = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard jsonl >= 0 else { throw MetricsError("cannot open \(path): \(String(cString: strerror(errno)))") }
        events = try EventFileWriter(directory: directory, wallTime: wallTime)
    }

    /// Makes the directory (0700) if need be and opens the log in it, timed from now.
    public static func create(in directory: String) throws -> MetricsLog {
        try AtomicFile.makeDirectories(directory)
        return try MetricsLog(directory: directory, wallTime: wallClockSeconds())
    }

    deinit { close(jsonl) }

    public var eventFile: String { events.path }

    /// Appends one record; `step` (env steps) is TensorBoard's x axis.
    public func record(step: Int64, wallTime: Double, scalars: [(String, Double)]) {
        let record = MetricsRecord(time: wallTime, envSteps: step, scalars: scalars)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if var bytes = try? encoder.encode(record) {
            bytes.append(UInt8(ascii: "\n"))
            _ = bytes.withUnsafeBytes { write(jsonl, $0.baseAddress, $0.count) }
        }
        events.write(step: step, wallTime: wallTime, scalars: scalars)
    }
}

/// One line of metrics.jsonl: `time`, `env_steps` and each scalar by name (keys sorted; a
/// value that is not finite is `null`: JSON has no NaN).
struct MetricsRecord: Encodable {
    let time: Double
    let envSteps: Int64
    let scalars: [(String, Double)]

    struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(time, forKey: Key("time"))
        try container.encode(envSteps, forKey: Key("env_steps"))
        for (name, value) in scalars { try container.encode(value.isFinite ? value : nil, forKey: Key(name)) }
    }
}

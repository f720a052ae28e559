/// The Prometheus text exposition format (version 0.0.4), written family by family:
/// `# HELP`, `# TYPE`, then the samples, names in base units as Prometheus asks
/// (`seedrl_steps_served_total`, `_seconds`, `_bytes`).
public struct PrometheusText {
    public private(set) var text = ""

    public init() {}

    public mutating func counter(_ name: String, _ help: String, _ value: Double, labels: [(String, String)] = []) {
        header(name, help, "counter")
        sample(name, labels, value)
    }

    /// A counter family with one sample per label set.
    public mutating func counters(_ name: String, _ help: String, _ samples: [([(String, String)], Double)]) {
        header(name, help, "counter")
        for (labels, value) in samples { sample(name, labels, value) }
    }

    public mutating func gauge(_ name: String, _ help: String, _ value: Double) {
        header(name, help, "gauge")
        sample(name, [], value)
    }

    public mutating func histogram(_ name: String, _ help: String, _ histogram: Histogram) {
        header(name, help, "histogram")
        let (cumulative, count, sum) = histogram.snapshot()
        for (bound, total) in zip(histogram.bounds, cumulative) {
            sample(name + "_bucket", [("le", Self.number(bound))], Double(total))
        }
        sample(name + "_bucket", [("le", "+Inf")], Double(count))
        sample(name + "_sum", [], sum)
        sample(name + "_count", [], Double(count))
    }

    private mutating func header(_ name: String, _ help: String, _ type: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.number(value) + "\n"
    }

    /// Integers without a fraction, NaN and infinities as Prometheus spells them.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escape(_ value: String) -> String {
        value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("\n", with: "\\n")
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}

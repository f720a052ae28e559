/// The result of one rule of the contract, checked against a server or an actor.
public struct ConformanceResult: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case pass, fail, skip
    }

    public let rule: String
    public let outcome: Outcome
    /// What was seen (a pass) or what went wrong (a failure), or why the rule did not apply.
    public let detail: String

    public init(_ rule: String, _ outcome: Outcome, _ detail: String) {
        self.rule = rule
        self.outcome = outcome
        self.detail = detail
    }
}

/// Results as a table for the terminal, and the verdict.
public struct ConformanceReport: Sendable {
    public var results: [ConformanceResult] = []

    public init(results: [ConformanceResult] = []) {
        self.results = results
    }

    public var passed: Bool { !results.contains { $0.outcome == .fail } }

    public var table: String {
        let width = min(results.map(\.rule.count).max() ?? 0, 64)
        var lines = results.map { result in
            let mark = result.outcome == .pass ? "PASS" : result.outcome == .fail ? "FAIL" : "skip"
            let rule = result.rule.count < width ? result.rule + String(repeating: " ", count: width - result.rule.count) : result.rule
            return "\(mark)  \(rule)  \(result.detail)"
        }
        let count = { (outcome: ConformanceResult.Outcome) in results.filter { $0.outcome == outcome }.count }
        lines.append("\(count(.pass)) passed, \(count(.fail)) failed, \(count(.skip)) skipped")
        return lines.joined(separator: "\n")
    }
}

import ActorClient

/// The status lines, as pure functions of a reading (tested for their exact text).
public enum StatusLine {
    /// `seedrl actor`: "steps 900  300 steps/s  episodes 40  return 22.5  reconnects 0".
    public static func actor(_ progress: ActorProgress, stepsPerSecond: Double) -> String {
        "steps \(progress.steps)  \(format(stepsPerSecond, decimals: 0)) steps/s  episodes \(progress.episodes)  "
            + "return \(format(progress.meanReturn))  reconnects \(progress.reconnects)"
            + (progress.waiting > 0 ? "  waiting to reconnect \(progress.waiting)" : "")
    }

    /// `seedrl server`: "steps 1200  300 steps/s  streams 8  batch 4.0  episodes 12  return 21.5  version 3",
    /// with "  trained 2000  lag 1.2" when it trains.
    public static func server(_ reading: ProgressSampler.Reading, training: Bool) -> String {
        let s = reading.stats
        var line = "steps \(reading.envSteps)  \(format(s.stepsPerSecond, decimals: 0)) steps/s  cpu \(format(s.cpuMicrosecondsPerStep)) µs/step  "
            + "streams \(s.streams)  batch \(format(s.batch))  episodes \(s.episodes)  return \(format(s.meanReturn))  version \(s.version)"
        if training { line += "  trained \(s.framesTrained)  lag \(format(s.report.policyLag))" }
        return line
    }

    /// `seedrl train`: elapsed time, counters, the last step's losses, version, batch and lag.
    public static func train(_ reading: ProgressSampler.Reading) -> String {
        let s = reading.stats, report = s.report
        let losses = "losses pg \(format(Double(report.policyLoss), decimals: 3)) "
            + "v \(format(Double(report.baselineLoss), decimals: 2)) H \(format(Double(report.entropy), decimals: 3))"
        let counters = "\(format(reading.elapsed))s  steps \(reading.envSteps)  \(format(s.stepsPerSecond, decimals: 0))/s  "
            + "cpu \(format(s.cpuMicrosecondsPerStep)) µs/step  episodes \(s.episodes)  return \(format(s.meanReturn))"
        return counters + "  " + losses + "  version \(s.version)  batch \(format(s.batch))  lag \(format(report.policyLag))"
    }
}

/// Fixed-point formatting without Foundation. Never traps: a value whose scaled magnitude
/// does not fit an integer (a reward of 1e21 from a client, say) is written in Swift's
/// own floating-point form instead.
public func format(_ value: Double, decimals: Int = 1) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<max(0, decimals) { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    guard rounded < 9.0e15, let whole = Int(exactly: (rounded / scale).rounded(.down)) else { return "\(value)" }
    var text = "\(value < 0 && rounded > 0 ? "-" : "")\(whole)"
    if decimals > 0 {
        let fraction = Int(exactly: rounded - Double(whole) * scale) ?? 0
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: max(0, decimals - digits.count)) + digits
    }
    return text
}

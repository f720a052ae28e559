/// Exponential backoff with jitter, as a pure value: the delay before reconnect attempt
/// n is min(max, initial · multiplier^(n−1)), spread by ±jitter so a fleet of actors that
/// lost the same learner does not come back in lockstep. Random draws are injected.
public struct Backoff: Sendable, Equatable {
    public var initialSeconds: Double = 0.1
    public var multiplier: Double = 2
    public var maxSeconds: Double = 5
    /// Fraction of the delay drawn at random on either side, in [0, 1).
    public var jitter: Double = 0.2

    public init() {}

    /// Seconds to wait before attempt `attempt` (1 for the first retry); `unit` is a
    /// uniform draw in [0, 1).
    public func delay(attempt: Int, unit: Double) -> Double {
        var base = initialSeconds
        for _ in 1..<max(attempt, 1) where base < maxSeconds { base *= multiplier }
        base = min(base, maxSeconds)
        return base * (1 + jitter * (2 * unit - 1))
    }
}

extension RetryPolicy {
    /// The statuses after which an actor reconnects: the learner is away, the connection
    /// broke, or the learner is full for now. Anything else (a bad Step, a wrong token, …)
    /// is final.
    public static func isRetryable(_ code: Int32, cancelledByUs: Bool) -> Bool {
        switch code {
        case 14: true  // UNAVAILABLE: server down, shutting down, or the connection was lost
        case 8: true  // RESOURCE_EXHAUSTED: stream slots or memory taken: a load condition, not a misconfiguration
        case 1, 2, 13: !cancelledByUs  // CANCELLED, UNKNOWN, INTERNAL: transport failures surface so
        default: false
        }
    }
}

public enum RetryPolicy {}

import Synchronization
import Threading

/// Counters behind `GetStats`. Thread-safe: atomics for the per-step counters, a small
/// lock for the episode returns (touched once per episode, not per step).
public final class ServerStatistics: Sendable {
    public static let returnWindow = 100

    let stepsServed = Atomic<UInt64>(0)
    let activeStreams = Atomic<Int>(0)
    let invalidSteps = Atomic<UInt64>(0)
    /// MID and LAST Steps accepted: what actors count as env.step calls.
    let environmentSteps = Atomic<UInt64>(0)
    let authenticationFailures = Atomic<UInt64>(0)
    private let episodes = Locked(EpisodeReturns())

    struct EpisodeReturns {
        var completed: UInt64 = 0
        var recent: [Double] = []
        var next = 0

        mutating func record(_ value: Double) {
            completed += 1
            if recent.count < ServerStatistics.returnWindow {
                recent.append(value)
            } else {
                recent[next] = value
                next = (next + 1) % ServerStatistics.returnWindow
            }
        }

        var mean: Double { recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count) }
    }

    public init() {}

    /// Continues the counters of a resumed run. Checkpoints hold one step count (env
    /// steps), so Actions served continue from it too.
    public func restore(envSteps: UInt64, episodes: UInt64) {
        stepsServed.store(envSteps, ordering: .relaxed)
        environmentSteps.store(envSteps, ordering: .relaxed)
        self.episodes.withLock { $0.completed = episodes }
    }

    func recordEpisode(return value: Double) {
        episodes.withLock { $0.record(value) }
    }

    /// Episodes completed since start and the mean return of the last 100 (0 if none).
    public var episodeSummary: (completed: UInt64, meanReturn: Double) {
        episodes.withLock { ($0.completed, $0.mean) }
    }

    public var servedSteps: UInt64 { stepsServed.load(ordering: .relaxed) }
    public var envSteps: UInt64 { environmentSteps.load(ordering: .relaxed) }
    public var authFailures: UInt64 { authenticationFailures.load(ordering: .relaxed) }
    public var openStreams: Int { activeStreams.load(ordering: .relaxed) }
    public var rejectedSteps: UInt64 { invalidSteps.load(ordering: .relaxed) }
}

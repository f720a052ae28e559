import Synchronization
import Telemetry
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
    /// Steps refused, by reason (their total is `invalidSteps`).
    public let invalidStepsByReason: [InvalidStepReason: AtomicCounter] =
        Dictionary(uniqueKeysWithValues: InvalidStepReason.allCases.map { ($0, AtomicCounter()) })
    /// Streams admitted since start (an actor's reconnect is a new stream).
    public let streamsOpened = AtomicCounter()
    /// Unrolls a lane had begun when its stream ended (a reconnect, a stop), dropped with
    /// their new timesteps: the learner never saw those steps.
    public let partialUnrollsDropped = AtomicCounter()
    public let partialUnrollStepsDropped = AtomicCounter()
    /// Inside the server, from a message's arrival to its reply going out (seconds).
    public let roundTrip = Histogram.doubling(from: 10e-6, count: 16, unit: 1e-9)
    /// From a message's arrival to the start of the inference batch that took it (seconds).
    public let queueWait = Histogram.doubling(from: 5e-6, count: 16, unit: 1e-9)
    /// Rows (environment steps) per inference batch.
    public let batchRows = Histogram.doubling(from: 1, count: 13)
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

    func recordInvalid(_ reason: InvalidStepReason) {
        invalidSteps.add(1, ordering: .relaxed)
        invalidStepsByReason[reason]!.add()
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

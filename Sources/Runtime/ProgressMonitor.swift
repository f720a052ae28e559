import Logging
import RunLog
import Threading

/// Why a run stopped.
public enum StopReason: Equatable, Sendable, CustomStringConvertible {
    case interrupted
    case targetReached
    case budgetSpent(UInt64)
    case actorsExited
    case jobStopped
    /// The server could not listen again after a listener restart: nobody can reach it.
    case listenerLost(String)

    public var description: String {
        switch self {
        case .interrupted: "interrupted"
        case .targetReached: "target reached"
        case .budgetSpent(let steps): "step budget of \(steps) spent"
        case .actorsExited: "every actor exited"
        case .jobStopped: "the job stopped"
        case .listenerLost(let reason): reason
        }
    }
}

/// When a run is done, judged on each reading.
public struct StopRule: Sendable {
    /// Done once 100 episodes are in and their mean return reaches this.
    public var targetReturn: Double?
    /// Done (unsuccessfully) after this many env steps.
    public var maxEnvSteps: UInt64?

    public init(targetReturn: Double? = nil, maxEnvSteps: UInt64? = nil) {
        self.targetReturn = targetReturn
        self.maxEnvSteps = maxEnvSteps
    }

    public func verdict(episodes: UInt64, meanReturn: Double, envSteps: UInt64) -> StopReason? {
        if let targetReturn, episodes >= 100, meanReturn >= targetReturn { return .targetReached }
        if let maxEnvSteps, envSteps >= maxEnvSteps { return .budgetSpent(maxEnvSteps) }
        return nil
    }
}

/// Reads the learner's progress every period on its own thread: the status line (through
/// `report`), a metrics record, the stop rule; in a data-parallel job it also notices
/// (within a quarter second) that another rank ended the job.
public final class ProgressMonitor: Service, @unchecked Sendable {
    // `sampler` and `metrics` are confined to the monitor's thread between start and shutdown.
    public let name = "progress"
    private let system: LearnerSystem
    private let periodSeconds: Double
    private let metrics: MetricsLog?
    private let rule: StopRule
    private let report: @Sendable (ProgressSampler.Reading) -> Void
    private let stopRun: @Sendable (StopReason) -> Void
    private let extraStopCheck: (@Sendable () -> StopReason?)?
    private let stopping = StopFlag()
    private var thread: OSThread?
    private var sampler: ProgressSampler

    /// - Parameters:
    ///   - report: called with every reading (the status line).
    ///   - stopRun: called once, when the rule (or `extraStopCheck`) says the run is done.
    public init(system: LearnerSystem, periodSeconds: Double, metrics: MetricsLog?, rule: StopRule = StopRule(),
                extraStopCheck: (@Sendable () -> StopReason?)? = nil,
                report: @escaping @Sendable (ProgressSampler.Reading) -> Void,
                stopRun: @escaping @Sendable (StopReason) -> Void) {
        self.system = system
        self.periodSeconds = periodSeconds
        self.metrics = metrics
        self.rule = rule
        self.extraStopCheck = extraStopCheck
        self.report = report
        self.stopRun = stopRun
        sampler = ProgressSampler(system: system)
    }

    public func start() throws {
        thread = OSThread(name: "seedrl-progress") { [self] in run() }
    }

    public func shutdown() throws {
        stopping.set()
        thread?.join()
        thread = nil
        // The curve ends where the run ended, however short it was (the thread is gone, so
        // the sampler is this thread's now).
        if let metrics {
            let reading = sampler.read()
            metrics.record(step: Int64(reading.envSteps), wallTime: wallClockSeconds(), scalars: reading.scalars)
        }
    }

    private func run() {
        // The stop rule and a job's end are looked at ten times a second (a fast task is
        // solved in a second or two); the status line and metrics once a period.
        let leader = (system.job?.rank ?? 0) == 0
        var nextReading = MonotonicClock.now() + UInt64(periodSeconds * 1e9)
        while !stopping.wait(seconds: min(periodSeconds, 0.1)) {
            if system.jobHasStopped { return stopRun(.jobStopped) }
            if let reason = extraStopCheck?() { return stopRun(reason) }
            // A job's rank other than 0 does not decide: rank 0 does for the job.
            if leader {
                let stats = system.stats()
                if let reason = rule.verdict(episodes: stats.episodesCompleted, meanReturn: stats.meanEpisodeReturn,
                                             envSteps: stats.envSteps) {
                    if !reportedOnce { report(sampler.read()) }
                    return stopRun(reason)
                }
            }
            guard MonotonicClock.now() >= nextReading else { continue }
            nextReading = MonotonicClock.now() + UInt64(periodSeconds * 1e9)
            let reading = sampler.read()
            metrics?.record(step: Int64(reading.envSteps), wallTime: wallClockSeconds(), scalars: reading.scalars)
            if leader {
                report(reading)
                reportedOnce = true
            }
        }
    }

    private var reportedOnce = false
}

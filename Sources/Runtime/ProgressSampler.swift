import InferenceServer
import LearnerLoop
import Model
import Threading

/// One reading of a running learner, as the status line and the metrics log show it:
/// counters from GetStats, rates since the previous reading, the learner's last step.
public struct ProgressSampler {
    private let system: LearnerSystem
    private var last: (time: UInt64, steps: UInt64, frames: UInt64, skipped: UInt64, cpu: Double)
    public let start = MonotonicClock.now()

    public init(system: LearnerSystem) {
        self.system = system
        let stats = system.stats()
        last = (start, stats.envSteps, stats.framesTrained, stats.skippedUpdates, ProcessUsage.cpuSeconds)
    }

    public struct Reading {
        public var elapsed: Double
        public var envSteps: UInt64
        public var scalars: [(String, Double)]
        public var stats: StatsLine

        public init(elapsed: Double, envSteps: UInt64, scalars: [(String, Double)], stats: StatsLine) {
            (self.elapsed, self.envSteps, self.scalars, self.stats) = (elapsed, envSteps, scalars, stats)
        }
    }

    public struct StatsLine {
        public var stepsPerSecond: Double
        public var episodes: UInt64
        public var meanReturn: Double
        public var version: UInt64
        public var batch: Double
        public var streams: UInt32
        public var report: TrainingStepReport
        public var framesTrained: UInt64
        /// This process's CPU time per environment step over the period (µs; 0 without steps).
        public var cpuMicrosecondsPerStep: Double = 0

        public init(stepsPerSecond: Double, episodes: UInt64, meanReturn: Double, version: UInt64, batch: Double, streams: UInt32,
                    report: TrainingStepReport, framesTrained: UInt64, cpuMicrosecondsPerStep: Double = 0) {
            (self.stepsPerSecond, self.episodes, self.meanReturn, self.version) = (stepsPerSecond, episodes, meanReturn, version)
            (self.batch, self.streams, self.report, self.framesTrained) = (batch, streams, report, framesTrained)
            self.cpuMicrosecondsPerStep = cpuMicrosecondsPerStep
        }
    }

    public mutating func read() -> Reading {
        let stats = system.stats()
        let now = MonotonicClock.now()
        let seconds = max(Double(now - last.time) / 1e9, 1e-9)
        let stepRate = Double(stats.envSteps &- last.steps) / seconds
        let trainRate = Double(stats.framesTrained &- last.frames) / seconds
        if stats.skippedUpdates > last.skipped {
            // Poisoned input (a huge reward or observation) made the gradient non-finite:
            // the model is safe, but the operator should know the data is bad.
            system.logger.warning("skipped learner updates whose gradient was not finite", metadata: [
                "skipped": "\(stats.skippedUpdates - last.skipped)", "total": "\(stats.skippedUpdates)"])
        }
        let cpu = ProcessUsage.cpuSeconds
        let stepsInPeriod = stats.envSteps &- last.steps
        let cpuPerStep = stepsInPeriod > 0 ? 1e6 * (cpu - last.cpu) / Double(stepsInPeriod) : 0
        last = (now, stats.envSteps, stats.framesTrained, stats.skippedUpdates, cpu)
        let report = system.training?.progress.last ?? TrainingStepReport()
        var scalars: [(String, Double)] = [
            ("episode/return", stats.meanEpisodeReturn),
            ("episode/count", Double(stats.episodesCompleted)),
            ("speed/env_steps_per_s", stepRate),
            ("speed/frames_trained_per_s", trainRate),
            ("speed/cpu_us_per_env_step", cpuPerStep),
            ("inference/batch_size", stats.meanBatchSize),
            ("inference/streams", Double(stats.activeStreams)),
            ("learner/version", Double(stats.modelVersion)),
            ("learner/frames_trained", Double(stats.framesTrained)),
            ("server/auth_failures", Double(stats.authFailures)),
        ]
        if system.training != nil {
            scalars += [
                ("learner/policy_lag", report.policyLag),
                ("learner/policy_lag_median", report.policyLagMedian),
                ("learner/policy_lag_p90", report.policyLagP90),
                ("learner/policy_lag_max", report.policyLagMax),
                ("learner/learning_rate", Double(report.learningRate)),
                ("learner/reward_factor", Double(report.rewardFactor)),
                ("losses/policy", Double(report.policyLoss)),
                ("losses/baseline", Double(report.baselineLoss)),
                ("losses/entropy", Double(report.entropy)),
                ("losses/gradient_norm", Double(report.gradientNorm)),
                ("learner/skipped_updates", Double(stats.skippedUpdates)),
                ("queue/unrolls", Double(system.server.configuration.recording?.queue.depth ?? 0)),
            ]
            // PPO: how far each update moved the policy from the one that acted.
            if let clipFraction = report.clipFraction, let kl = report.approximateKL {
                scalars += [("ppo/clip_fraction", Double(clipFraction)), ("ppo/approx_kl", Double(kl)),
                            ("ppo/explained_variance", Double(report.explainedVariance ?? 0)),
                            ("ppo/minibatch_updates", Double(report.minibatchUpdates ?? 0)),
                            ("ppo/batch_lag_median", report.batchPolicyLagMedian ?? 0),
                            ("ppo/batch_lag_max", report.batchPolicyLagMax ?? 0)]
            }
            // Box actions: what the policy does with its action space (written once a step has).
            if let mean = report.actionMean, let spread = report.actionStd, let sigma = report.policyStd {
                scalars += [("actions/mean", Double(mean)), ("actions/std", Double(spread)), ("policy/std", Double(sigma))]
            }
        }
        return Reading(
            elapsed: Double(now - start) / 1e9, envSteps: stats.envSteps, scalars: scalars,
            stats: StatsLine(stepsPerSecond: stepRate, episodes: stats.episodesCompleted, meanReturn: stats.meanEpisodeReturn,
                             version: stats.modelVersion, batch: stats.meanBatchSize, streams: stats.activeStreams,
                             report: report, framesTrained: stats.framesTrained, cpuMicrosecondsPerStep: cpuPerStep))
    }
}

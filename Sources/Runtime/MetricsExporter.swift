import InferenceServer
import LearnerLoop
import Model
import Telemetry
import Threading
import Wire

/// Everything a learner process counts, in Prometheus's text format: GetStats' counters,
/// the server's and the learner's histograms, checkpoints, refusals by reason, and the
/// process's CPU time and memory, with the CPU cost of an environment step as a figure of
/// its own (the energy a step costs is what this project measures itself by).
public final class MetricsExporter: Sendable {
    private let system: LearnerSystem

    public init(system: LearnerSystem) {
        self.system = system
    }

    public func render() -> String {
        let stats = system.stats()
        let server = system.server.statistics
        var text = PrometheusText()
        text.counter("seedrl_steps_served_total", "Actions served (lane steps), FIRST included.", Double(stats.stepsServed))
        text.counter("seedrl_env_steps_total", "Environment steps: MID and LAST steps received.", Double(stats.envSteps))
        text.counter("seedrl_episodes_total", "Episodes completed.", Double(stats.episodesCompleted))
        text.gauge("seedrl_mean_episode_return", "Mean return of the last 100 episodes.", stats.meanEpisodeReturn)
        text.gauge("seedrl_active_streams", "Act streams and ActBatch lanes open.", Double(stats.activeStreams))
        text.counter("seedrl_streams_opened_total", "Streams admitted since start (a reconnect is a new stream).",
                     Double(server.streamsOpened.current))
        text.gauge("seedrl_model_version", "Learner updates applied.", Double(stats.modelVersion))
        text.counter("seedrl_frames_trained_total", "Environment steps the learner trained on.", Double(stats.framesTrained))
        text.counter("seedrl_skipped_updates_total", "Learner updates skipped: their gradient was not finite.", Double(stats.skippedUpdates))
        text.counter("seedrl_auth_failures_total", "RPCs refused for a missing or wrong bearer token.", Double(stats.authFailures))
        text.counters("seedrl_invalid_steps_total", "Steps refused, by reason (the stream ends with INVALID_ARGUMENT).",
                      InvalidStepReason.allCases.map { ([("reason", $0.rawValue)], Double(server.invalidStepsByReason[$0]!.current)) })
        text.counter("seedrl_tls_handshake_failures_total", "TLS handshakes that failed (logged at most once per 10 s).",
                     Double(CoreLog.tlsHandshakeFailures))
        text.counter("seedrl_partial_unrolls_dropped_total", "Unrolls begun by lanes whose stream ended (reconnect, stop): never trained on.",
                     Double(server.partialUnrollsDropped.current))
        text.counter("seedrl_listener_restarts_total", "Times the listener was restarted after the core stopped accepting.",
                     Double(system.server.listenerRestarts))
        text.gauge("seedrl_stream_memory_bytes", "Per-stream memory held by open streams.", Double(system.server.streamMemoryInUse))
        text.histogram("seedrl_step_round_trip_seconds", "Inside the server, from a message's arrival to its reply.", server.roundTrip)
        text.histogram("seedrl_queue_wait_seconds", "From a message's arrival to the inference batch that took it.", server.queueWait)
        text.histogram("seedrl_inference_batch_rows", "Rows (environment steps) per inference batch.", server.batchRows)
        if let training = system.training {
            text.gauge("seedrl_unroll_queue_depth", "Unrolls waiting for the learner.",
                       Double(system.server.configuration.recording?.queue.depth ?? 0))
            text.histogram("seedrl_learner_step_seconds", "Seconds per learner step.", training.stepSeconds)
            text.histogram("seedrl_policy_lag_versions", "Mean policy lag of each learner step.", training.policyLag)
            let last = training.progress.last
            text.gauge("seedrl_reward_factor", "What the last step's rewards were multiplied by (--reward-scale, times 1/std of the returns with --reward-normalization return).",
                       Double(last.rewardFactor))
            text.gauge("seedrl_policy_lag_median_versions", "Median policy lag of the last step's transitions.", last.policyLagMedian)
            text.gauge("seedrl_policy_lag_p90_versions", "90th percentile policy lag of the last step's transitions.", last.policyLagP90)
            text.gauge("seedrl_policy_lag_max_versions", "Largest policy lag of the last step's transitions.", last.policyLagMax)
            if let clipFraction = training.progress.last.clipFraction, let kl = training.progress.last.approximateKL {
                text.gauge("seedrl_ppo_clip_fraction", "PPO: transitions of the last minibatch whose ratio left [1 - eps, 1 + eps].",
                           Double(clipFraction))
                text.gauge("seedrl_ppo_approx_kl", "PPO: approximate KL(behaviour || current) over the last minibatch.", Double(kl))
                text.gauge("seedrl_ppo_explained_variance", "PPO: 1 - Var(target - value) / Var(target) of the last batch.",
                           Double(training.progress.last.explainedVariance ?? 0))
                text.gauge("seedrl_ppo_batch_lag_median_versions",
                           "PPO: median policy lag of the last batch before its first update (its data's staleness).",
                           training.progress.last.batchPolicyLagMedian ?? 0)
                text.gauge("seedrl_ppo_batch_lag_max_versions", "PPO: largest policy lag of the last batch before its first update.",
                           training.progress.last.batchPolicyLagMax ?? 0)
            }
            if case .box = system.spec.action {
                let report = training.progress.last
                text.gauge("seedrl_action_mean", "Box actions: mean of the last batch's actions (every dimension).",
                           Double(report.actionMean ?? 0))
                text.gauge("seedrl_action_std", "Box actions: standard deviation of the last batch's actions.",
                           Double(report.actionStd ?? 0))
                text.gauge("seedrl_policy_std", "Box actions: the Gaussian policy's sigma, mean over dimensions.",
                           Double(report.policyStd ?? 0))
            }
            if let checkpoints = system.checkpointCounts {
                text.counter("seedrl_checkpoints_written_total", "Checkpoints written.", Double(checkpoints.written))
                text.counter("seedrl_checkpoints_failed_total", "Checkpoints that could not be written.", Double(checkpoints.failed))
            }
        }
        let cpu = ProcessUsage.cpuSeconds
        text.counter("seedrl_process_cpu_seconds_total", "User and system CPU time of this process.", cpu)
        text.gauge("seedrl_process_resident_memory_bytes", "Resident memory of this process.", ProcessUsage.residentBytes)
        text.gauge("seedrl_cpu_microseconds_per_env_step", "This process's CPU time per environment step since start (µs).",
                   stats.envSteps > 0 ? 1e6 * cpu / Double(stats.envSteps) : 0)
        return text.text
    }
}

/// The /metrics responder as a service of the learner process.
public final class MetricsService: Service, @unchecked Sendable {
    public let name = "metrics"
    private let server: MetricsHTTPServer

    /// Binds at once (a bad address fails before anything starts); serves from `start`.
    public init(host: String, port: Int, exporter: MetricsExporter) throws {
        server = try MetricsHTTPServer(host: host, port: port) { exporter.render() }
    }

    public var port: Int { server.port }
    public func start() throws { server.start() }
    public func shutdown() throws { server.stop() }
}

#if canImport(Glibc)
import Glibc
#endif
import Contract
import InferenceServer
import Logging
import Runtime
import Threading
import Wire

/// A checking learner for actors in any language: what `seedrl conformance --actor`
/// serves. It is a real seedrl server (serving only) for the given Spec, whose own
/// validation counts every Step that breaks the contract; once the actor has stepped
/// enough it ends every stream with UNAVAILABLE (as a restarting learner does) and checks
/// the actor comes back and starts each new stream with FIRST.
public struct ActorConformance {
    public struct Options: Sendable {
        public var spec: ObservationSpec
        /// `host:port` to listen on.
        public var listenAddress: String
        public var token: String?
        public var security: ServerSecurity = .insecure
        /// Env steps to see before, and again after, the streams are ended.
        public var steps: UInt64 = 2_000
        /// How long to wait for each phase.
        public var timeoutSeconds: Double = 120

        public init(spec: ObservationSpec, listenAddress: String) {
            self.spec = spec
            self.listenAddress = listenAddress
        }
    }

    private let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Serves until the actor has been checked (or a phase times out) and returns the
    /// report. `ready` is called with the bound port once actors may connect.
    public func run(ready: (Int) -> Void) throws -> ConformanceReport {
        var server = LearnerServerConfiguration(spec: options.spec, listenAddresses: [options.listenAddress])
        server.token = options.token
        server.security = options.security
        server.valueLimits = .training  // the bounds a training server holds actors to
        var configuration = LearnerConfiguration(server: server)
        configuration.model.torso = TaskDefaults.of(external: options.spec).torso
        var logger = Logger(label: "seedrl.conformance")
        logger.logLevel = .critical  // the restart that tests reconnects logs an error of its own
        let system = try LearnerSystem(configuration: configuration, logger: logger)
        for service in system.services { try service.start() }
        defer { for service in system.services.reversed() { try? service.shutdown() } }
        ready(system.server.boundPorts[0])
        let statistics = system.server.statistics
        var report = ConformanceReport()

        // Phase 1: the actor connects and steps.
        let served = waitFor { statistics.envSteps >= options.steps && statistics.episodeSummary.completed >= 1 }
        let opened = statistics.streamsOpened.current
        report.results.append(.init("the actor connects, steps and completes episodes", served ? .pass : .fail,
                                    "\(opened) streams opened, \(statistics.envSteps) env steps, "
                                        + "\(statistics.episodeSummary.completed) episodes\(served ? "" : " within \(Int(options.timeoutSeconds)) s")"))
        if served {
            // Phase 2: every stream ends with UNAVAILABLE; the actor must come back.
            let before = statistics.envSteps
            system.server.restartListener(reason: "conformance: every stream ended with UNAVAILABLE to check reconnects")
            let back = waitFor { statistics.streamsOpened.current > opened && statistics.envSteps >= before + options.steps }
            report.results.append(.init("it reconnects after UNAVAILABLE and steps on", back ? .pass : .fail,
                                        "\(statistics.streamsOpened.current - opened) streams reopened, "
                                            + "\(statistics.envSteps - before) env steps after"))
        } else {
            report.results.append(.init("it reconnects after UNAVAILABLE and steps on", .skip, "the actor was not served first"))
        }
        let rules: [(InvalidStepReason, String)] = [
            (.order, "each stream starts with FIRST, and FIRST follows LAST"),
            (.stepType, "every step type is FIRST, MID or LAST"),
            (.observationSize, "every observation has the Spec's size"),
            (.observationValue, "float observations are finite and within ±1e6"),
            (.reward, "rewards are finite and within ±1e6"),
            (.discount, "discounts are in [0, 1]"),
            (.lanes, "ActBatch lanes within max_lanes, field counts agree"),
        ]
        for (reason, rule) in rules {
            let count = statistics.invalidStepsByReason[reason]?.current ?? 0
            if count > 0 {
                report.results.append(.init(rule, .fail, "\(count) streams refused (\(reason.rawValue))"))
            } else if statistics.envSteps == 0 {
                report.results.append(.init(rule, .skip, "no step was served to judge"))
            } else {
                report.results.append(.init(rule, .pass, "no step refused"))
            }
        }
        return report
    }

    private func waitFor(_ condition: () -> Bool) -> Bool {
        let deadline = MonotonicClock.now() + UInt64(options.timeoutSeconds * 1e9)
        while MonotonicClock.now() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

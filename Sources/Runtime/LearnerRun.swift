import Logging
import Threading

/// A learner process from start to finish: its services (training, serving, the progress
/// monitor and, for `seedrl train`, its actors) started in order, SIGINT/SIGTERM/SIGHUP
/// as a clean stop and SIGUSR1 as a checkpoint request, a wait until something stops the
/// run, then everything stopped in reverse (the final checkpoint written last).
public final class LearnerRun: @unchecked Sendable {
    // `reason` is guarded by `lock`; the rest is immutable after init.
    public let system: LearnerSystem
    private var group: ServiceGroup
    private let done = StopFlag()
    private let lock = Locked<StopReason?>(nil)

    public struct Outcome {
        public var reason: StopReason
        /// The final checkpoint, when training (its file is nil where none was written).
        public var checkpoint: (version: UInt64, file: String?)?
        /// Services that failed to stop cleanly (a final checkpoint that could not be written).
        public var failures: [(service: String, error: Error)]
    }

    /// - Parameter extraServices: started after the learner's own (the monitor, actors);
    ///   made with the run at hand, so they can stop it (capture it weakly).
    public init(system: LearnerSystem, logger: Logger, extraServices: (LearnerRun) -> [Service] = { _ in [] }) {
        self.system = system
        group = ServiceGroup(system.services, logger: logger)
        group = ServiceGroup(system.services + extraServices(self), logger: logger)
        system.server.onListenerLost = { [weak self] reason in self?.stop(.listenerLost(reason)) }
    }

    /// Ends the run (the first reason counts). Safe from any thread.
    public func stop(_ reason: StopReason) {
        let first = lock.withLock { current -> Bool in
            guard current == nil else { return false }
            current = reason
            return true
        }
        if first { done.set() }
    }

    /// Installs the signal handlers (the process's own run only; tests call `run` without).
    public func installSignalHandlers() {
        var checkpointRequest: (@Sendable () -> Void)? = nil
        if let training = system.training { checkpointRequest = { training.requestCheckpoint() } }
        let onTermination: @Sendable (Int32) -> Void = { [weak self] _ in self?.stop(.interrupted) }
        Signals.install(onTermination: onTermination, onCheckpointRequest: checkpointRequest)
    }

    /// Starts, waits for a stop, stops everything in reverse. Throws only when starting failed.
    public func run() throws -> Outcome {
        try group.start()
        done.wait()
        let failures = group.shutdown()
        let final = system.finalCheckpoint
        return Outcome(reason: lock.withLock { $0 } ?? .interrupted,
                       checkpoint: final.map { ($0.checkpoint.version, $0.file) }, failures: failures)
    }

    /// The services in the order they were stopped (for tests and logs).
    public var stopOrder: [String] { group.stopped }
}

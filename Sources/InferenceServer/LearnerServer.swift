import Contract
import Logging
import Synchronization
import Threading
import Wire

/// The Learner service over the gRPC C core: a `StreamHub` behind a `WireServer`, whose
/// listener is restarted if the core stops accepting.
///
/// Lifecycle: `init` binds, `start` serves, `shutdown` ends every stream with
/// UNAVAILABLE and returns when all threads are done. Thread-safe.
public final class LearnerServer: LearnerService, @unchecked Sendable {
    // Immutable after init except `transport` (replaced when the listener is restarted,
    // under its lock).
    public let hub: StreamHub
    private let logger: Logger
    /// The gRPC server; `lifecycle` orders a listener restart against shutdown.
    private let transport = Locked<WireServer?>(nil)
    private let lifecycle = Locked(())
    private var wireConfiguration: WireServerConfiguration
    private var watchdog: ListenerWatchdog?
    private let listenerRestartCount = Atomic<UInt64>(0)
    private let stopped = Atomic(false)
    /// Set at shutdown: wakes a restart waiting between rebinds.
    private let stopRequested = StopFlag()

    public init(configuration: LearnerServerConfiguration, policy: Policy, logger: Logger = Logger(label: "seedrl.server")) throws {
        hub = try StreamHub(configuration: configuration, policy: policy, logger: logger)
        self.logger = logger
        wireConfiguration = WireServerConfiguration(
            listenAddresses: configuration.listenAddresses,
            maxReceiveMessageBytes: max(configuration.spec.maxStepMessageBytes,
                                        configuration.spec.maxStepBatchMessageBytes(lanes: configuration.maxLanes)))
        wireConfiguration.pollerThreads = configuration.pollerThreads
        wireConfiguration.maxLanes = configuration.maxLanes
        wireConfiguration.keepaliveMilliseconds = configuration.keepaliveMilliseconds
        wireConfiguration.security = configuration.security
        wireConfiguration.defences = configuration.defences
        let wire = try WireServer(configuration: wireConfiguration, service: self)
        boundPorts = wire.boundPorts
        transport.withLock { $0 = wire }
        // A restart listens where this server listens now (port 0 resolved to its port).
        wireConfiguration.listenAddresses = zip(configuration.listenAddresses, wire.boundPorts).map { address, port in
            address.hasPrefix("unix:") || !address.hasSuffix(":0") ? address : "\(address.dropLast(2)):\(port)"
        }
    }

    public var configuration: LearnerServerConfiguration { hub.configuration }
    public var statistics: ServerStatistics { hub.statistics }
    public func stats() -> StatsMessage { hub.stats() }
    /// Bytes of per-stream memory open streams hold now.
    public var streamMemoryInUse: Int { hub.streamMemoryInUse }

    /// Ports bound, in the order of `listenAddresses` (0 for unix sockets); a restart
    /// binds the same ones.
    public private(set) var boundPorts: [Int] = []

    public func start() {
        hub.start()
        transport.withLock { $0 }?.start()
        watchdog = ListenerWatchdog { [weak self] reason in self?.restartListener(reason: reason) }
        logger.info("serving", metadata: [
            "addresses": "\(configuration.listenAddresses)", "ports": "\(boundPorts)",
            "spec": "\(configuration.spec.shapeDescription)", "actions": "\(configuration.spec.action.description)",
        ])
    }

    /// Stops accepting, ends open streams with UNAVAILABLE "server shutting down",
    /// stops inference, and frees the gRPC server. Idempotent.
    ///
    /// - Parameter keepingUnrolls: a learner is consuming the recording queue: the last
    ///   unrolls go in (waiting for room) and the queue is then sealed for it to drain,
    ///   rather than closed with them discarded. The learner must be running (or have
    ///   closed the queue) or this waits for it.
    public func shutdown(keepingUnrolls: Bool = false) {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        stopRequested.set()
        watchdog?.stop()
        logger.info("shutting down", metadata: ["open_streams": "\(statistics.openStreams)"])
        // Health watchers (load balancers) learn of the stop before the streams end.
        transport.withLock { $0 }?.healthStatusChanged()
        hub.stop(keepingUnrolls: keepingUnrolls)
        lifecycle.withLock { _ in
            transport.withLock { $0 }?.shutdown(endingStreamsWith: .unavailable, message: "server shutting down")
        }
        logger.info("stopped serving", metadata: [
            "partial_unrolls_dropped": "\(statistics.partialUnrollsDropped.current)",
            "their_env_steps": "\(statistics.partialUnrollStepsDropped.current)"])
    }

    /// Times the listener was restarted because the core stopped accepting.
    public var listenerRestarts: UInt64 { listenerRestartCount.load(ordering: .relaxed) }

    /// Called once if the listener is lost for good (every rebind of a restart failed):
    /// the process can no longer be reached and should stop cleanly, final checkpoint
    /// included. Set before `start`.
    public var onListenerLost: (@Sendable (_ reason: String) -> Void)?

    /// Called before each bind of a restart with the attempt number (tests squat the port here).
    var beforeRebind: (@Sendable (_ attempt: Int) -> Void)?

    /// The 1.51 core stops accepting on a port for good once `accept4` fails (EMFILE when
    /// descriptors run out, as under a connection flood). The only way back is a new gRPC
    /// server: the old one closes every connection (the flood's included: their
    /// descriptors come back) and ends its streams with UNAVAILABLE, which actors retry;
    /// batching, inference and training go on throughout. Another process may take the
    /// port in the moment between the two servers: the bind is retried with backoff
    /// (`listenerRestart`), and if it never succeeds the listener is lost (`onListenerLost`)
    /// rather than the server living on deaf.
    public func restartListener(reason: String) {
        let closed = lifecycle.withLock { _ -> Bool in
            guard !stopped.load(ordering: .relaxed), let old = transport.withLock({ $0 }) else { return false }
            logger.error("the listener stopped accepting connections; restarting it (open streams end, actors reconnect)",
                         metadata: ["accept_error": "\(reason)"])
            GRPCLibrary.retain()  // the library stays up between the two servers
            old.shutdown(endingStreamsWith: .unavailable, message: "server restarting its listener (\(reason))",
                         graceMilliseconds: 200)
            transport.withLock { $0 = nil }
            return true
        }
        guard closed else { return }
        defer { GRPCLibrary.release() }
        let policy = configuration.listenerRestart
        var lastError = ""
        for attempt in 0..<policy.attempts {
            if attempt > 0 && stopRequested.wait(seconds: policy.delay(beforeAttempt: attempt)) { return }
            beforeRebind?(attempt)
            let outcome: Bool? = lifecycle.withLock { _ in
                guard !stopped.load(ordering: .relaxed) else { return nil }
                do {
                    let fresh = try WireServer(configuration: wireConfiguration, service: self)
                    transport.withLock { $0 = fresh }
                    fresh.start()
                    listenerRestartCount.add(1, ordering: .relaxed)
                    return true
                } catch {
                    lastError = "\(error)"
                    logger.warning("the listener could not be rebound; retrying",
                                   metadata: ["attempt": "\(attempt + 1)", "of": "\(policy.attempts)", "error": "\(error)"])
                    return false
                }
            }
            if outcome != false { return }  // rebound, or stopping
        }
        let lost = "the listener could not be rebound after \(policy.attempts) attempts (\(lastError)); "
            + "the server can no longer be reached and stops"
        logger.critical("\(lost)")
        onListenerLost?(lost)
    }

    // MARK: LearnerService (poller threads)

    public func openStream(_ stream: ServerStream) -> Result<ServerStreamHandler, RPCError> {
        hub.open(stream).map { $0 }
    }

    public func getSpec(context: CallContext) -> Result<SpecMessage, RPCError> { hub.getSpec(context: context) }
    public func getStats(context: CallContext) -> Result<StatsMessage, RPCError> { hub.getStats(context: context) }
    public func unknownMethod(_ name: String, context: CallContext) -> RPCError { hub.unknownMethod(name, context: context) }
    /// SERVING until a stop begins, NOT_SERVING from then until the port closes.
    public var healthStatus: HealthStatus { stopped.load(ordering: .relaxed) ? .notServing : .serving }
    public func authorizeReflection(context: CallContext) -> RPCError? { hub.authenticate(context) }
}

import Contract
import BatchQueue
import Logging
import Synchronization
import Threading
import Wire

/// Everything the Learner service does between a transport and the policy: admission
/// (token, stream and per-peer limits, the stream-memory budget), each stream's state,
/// batching, inference and recording, GetSpec and GetStats. It knows its streams only
/// as `StepTransport`s, so it runs the same over gRPC (`LearnerServer`) and in-process
/// (tests drive it with transports of their own).
///
/// Lifecycle: `start` runs the inference thread (and the idle reaper), `stop` ends them.
/// Thread-safe.
public final class StreamHub: @unchecked Sendable {
    // Immutable after init except `inference` (set in init, only read after).
    public let configuration: LearnerServerConfiguration
    public let statistics = ServerStatistics()
    let batchQueue: BatchQueue<ActStream>
    let policy: Policy
    private let token: BearerToken?
    let logger: Logger
    private var inference: InferenceLoop!
    /// When the last authentication failure was logged (monotonic ns; 0: never).
    private let lastAuthenticationLog = Atomic<UInt64>(0)
    /// Open streams (for the idle reaper) and streams per peer host.
    private let registry = Locked<(streams: [ObjectIdentifier: ActStream], perPeer: [String: Int])>(([:], [:]))
    private var reaper: IdleReaper?
    /// Bytes of per-stream memory held by open streams (see `maxStreamMemoryBytes`).
    private let streamMemory = Atomic<Int>(0)

    public init(configuration: LearnerServerConfiguration, policy: Policy, logger: Logger = Logger(label: "seedrl.server")) throws {
        let spec = configuration.spec
        guard spec.byteCount > 0, spec.dtype != .unspecified else {
            throw RPCError(.invalidArgument, "observation spec \(spec.shapeDescription) is empty or has no dtype")
        }
        if let problem = spec.action.problem { throw RPCError(.invalidArgument, problem) }
        guard spec.action == policy.action else {
            throw RPCError(.invalidArgument, "spec has actions \(spec.action.description), the policy \(policy.action.description)")
        }
        guard configuration.maxStreams >= 1 else {
            throw RPCError(.invalidArgument, "max streams must be at least 1, got \(configuration.maxStreams)")
        }
        self.configuration = configuration
        self.policy = policy
        self.logger = logger
        token = configuration.token.map(BearerToken.init)
        guard configuration.maxLanes >= 1 else {
            throw RPCError(.invalidArgument, "max lanes must be at least 1, got \(configuration.maxLanes)")
        }
        batchQueue = BatchQueue(policy: try configuration.batchingPolicy(), capacity: configuration.maxStreams)
        inference = InferenceLoop(queue: batchQueue, policy: policy, statistics: statistics,
                                  unrolls: configuration.recording?.queue, maxRows: configuration.maxRowsPerBatch)
    }

    public func start() {
        if let idle = configuration.streamIdleSeconds {
            reaper = IdleReaper(idleNanoseconds: UInt64(idle * 1e9),
                                cancelGraceNanoseconds: UInt64(configuration.idleCancelGraceSeconds * 1e9)) { [weak self] in
                self?.openStreams() ?? []
            }
        }
        inference.start()
    }

    /// Stops the reaper and inference; streams still open get no more replies.
    /// - Parameter keepingUnrolls: see `LearnerServer.shutdown`.
    public func stop(keepingUnrolls: Bool) {
        reaper?.stop()
        batchQueue.close()
        configuration.recording?.queue.releaseInference()  // an on-policy wait for the learner ends
        if !keepingUnrolls { configuration.recording?.queue.close() }  // a push blocked on back-pressure returns
        inference.join()
        configuration.recording?.queue.seal()
    }

    public func stats() -> StatsMessage {
        var stats = StatsMessage()
        stats.stepsServed = statistics.servedSteps
        stats.activeStreams = UInt32(clamping: statistics.openStreams)
        stats.modelVersion = policy.modelVersion
        let episodes = statistics.episodeSummary
        stats.episodesCompleted = episodes.completed
        stats.meanEpisodeReturn = episodes.meanReturn
        stats.framesTrained = configuration.framesTrained?() ?? 0
        stats.meanBatchSize = batchQueue.batchStatistics.meanBatchSize
        stats.envSteps = statistics.envSteps
        stats.skippedUpdates = configuration.skippedUpdates?() ?? 0
        stats.authFailures = statistics.authFailures
        return stats
    }

    // MARK: Streams and unary methods (poller threads)

    /// Admits a new stream (token, limits) and returns its handler, or the status to end
    /// it with.
    public func open(_ stream: StepTransport) -> Result<ActStream, RPCError> {
        if let error = authenticate(stream.context) { return .failure(error) }
        let limit = configuration.maxStreams
        if statistics.activeStreams.add(1, ordering: .relaxed).newValue > limit {
            statistics.activeStreams.subtract(1, ordering: .relaxed)
            return .failure(RPCError(.resourceExhausted, "server is serving its maximum of \(limit) streams (--max-streams)"))
        }
        let host = PeerHost.of(peer: stream.context.peer)
        let actStream = ActStream(stream: stream, hub: self, policy: policy, spec: configuration.spec,
                                  limits: configuration.valueLimits, recording: configuration.recording, peerHost: host)
        let perPeerLimit = configuration.maxStreamsPerPeer
        let refused: Int? = registry.withLock { registry in
            let held = registry.perPeer[host, default: 0]
            if let perPeerLimit, held >= perPeerLimit { return held }
            registry.perPeer[host] = held + 1
            registry.streams[ObjectIdentifier(actStream)] = actStream
            return nil
        }
        if let held = refused {
            statistics.activeStreams.subtract(1, ordering: .relaxed)
            return .failure(RPCError(.resourceExhausted,
                "peer \(host) already holds \(held) streams, its maximum (--max-streams-per-peer)"))
        }
        batchQueue.streamOpened()
        statistics.streamsOpened.add()
        logger.debug("stream opened", metadata: ["stream": "\(stream.id)", "peer": "\(stream.context.peer)"])
        return .success(actStream)
    }

    /// An ActBatch stream's first message fixed its lanes: the `extra` lanes beyond the one
    /// it was admitted as count against `--max-streams` and `--max-streams-per-peer` too.
    /// Returns the status to end it with when they do not fit (nothing is taken then).
    func admitLanes(_ extra: Int, of stream: ActStream) -> RPCError? {
        guard extra > 0 else { return nil }
        let limit = configuration.maxStreams
        if statistics.activeStreams.add(extra, ordering: .relaxed).newValue > limit {
            statistics.activeStreams.subtract(extra, ordering: .relaxed)
            return RPCError(.resourceExhausted,
                "server is serving its maximum of \(limit) streams (--max-streams; each lane counts as one)")
        }
        let perPeerLimit = configuration.maxStreamsPerPeer
        let refused: Int? = registry.withLock { registry in
            let held = registry.perPeer[stream.peerHost, default: 0]
            if let perPeerLimit, held + extra > perPeerLimit { return held }
            registry.perPeer[stream.peerHost] = held + extra
            return nil
        }
        if let held = refused {
            statistics.activeStreams.subtract(extra, ordering: .relaxed)
            return RPCError(.resourceExhausted, "peer \(stream.peerHost) holds \(held) streams; \(extra + 1) lanes more "
                + "would exceed its maximum of \(perPeerLimit ?? 0) (--max-streams-per-peer; each lane counts as one)")
        }
        batchQueue.streamOpened(rows: extra)
        return nil
    }

    func streamClosed(_ stream: ActStream) {
        let lanes = stream.admittedLanes
        registry.withLock { registry in
            registry.streams.removeValue(forKey: ObjectIdentifier(stream))
            let held = registry.perPeer[stream.peerHost, default: lanes] - lanes
            registry.perPeer[stream.peerHost] = held > 0 ? held : nil
        }
        batchQueue.streamClosed(rows: lanes)
        if stream.reservedBytes > 0 { streamMemory.subtract(stream.reservedBytes, ordering: .relaxed) }
        statistics.activeStreams.subtract(lanes, ordering: .relaxed)
        logger.debug("stream closed", metadata: ["stream": "\(stream.stream.id)"])
    }

    private func openStreams() -> [ActStream] {
        registry.withLock { Array($0.streams.values) }
    }

    /// Takes `bytes` of the stream-memory budget; false (and nothing taken) when it would
    /// go over. Called once per stream, at its first Step.
    func reserveStreamMemory(_ bytes: Int) -> Bool {
        let total = streamMemory.add(bytes, ordering: .relaxed).newValue
        if total > configuration.maxStreamMemoryBytes {
            streamMemory.subtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    var streamMemoryRefusal: String {
        "the server's stream memory (\(Self.describe(bytes: configuration.maxStreamMemoryBytes)), --max-stream-memory-mb) is in use by other streams"
    }

    /// "12 GiB", "600 MiB", "1 KiB" (rounded down), for messages.
    static func describe(bytes: Int) -> String {
        bytes >= 1 << 30 ? "\(bytes >> 30) GiB" : bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    /// Bytes of per-stream memory open streams hold now.
    public var streamMemoryInUse: Int { streamMemory.load(ordering: .relaxed) }

    /// The token check for every method: a refusal is counted and logged with its peer, at
    /// most one line per 10 s (a flood must not flood the log).
    func authenticate(_ context: CallContext) -> RPCError? {
        guard let error = token?.check(context.authorization) else { return nil }
        let failures = statistics.authenticationFailures.add(1, ordering: .relaxed).newValue
        let now = MonotonicClock.now()
        let last = lastAuthenticationLog.load(ordering: .relaxed)
        if now &- last >= 10_000_000_000 || last == 0,
           lastAuthenticationLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged {
            logger.warning("refused an RPC without a valid token", metadata: [
                "peer": "\(context.peer)", "reason": "\(error.message)", "refused_so_far": "\(failures)"])
        }
        return error
    }

    public func getSpec(context: CallContext) -> Result<SpecMessage, RPCError> {
        if let error = authenticate(context) { return .failure(error) }
        let spec = configuration.spec
        return .success(SpecMessage(
            env: spec.envName, observationShape: spec.shape.map(Int64.init), observationDType: spec.dtype,
            action: spec.action, modelVersion: policy.modelVersion, maxLanes: UInt32(configuration.maxLanes)))
    }

    public func getStats(context: CallContext) -> Result<StatsMessage, RPCError> {
        if let error = authenticate(context) { return .failure(error) }
        return .success(stats())
    }

    public func unknownMethod(_ name: String, context: CallContext) -> RPCError {
        authenticate(context) ?? RPCError(.unimplemented, "method \(name) is not served here (seedrl.v1.Learner has GetSpec, Act, ActBatch, GetStats)")
    }
}

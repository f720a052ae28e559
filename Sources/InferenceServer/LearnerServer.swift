import BatchQueue
import Logging
import Synchronization
import Wire

/// The Learner service: Act streams validated and batched into inference on the
/// learner's policy, plus GetSpec and GetStats, over the gRPC C core.
///
/// Lifecycle: `init` binds, `start` serves, `shutdown` ends every stream with
/// UNAVAILABLE and returns when all threads are done. Thread-safe.
public final class LearnerServer: LearnerService, @unchecked Sendable {
    // Immutable after init except `wire`/`inference`, set in init and only read after.
    public let configuration: LearnerServerConfiguration
    public let statistics = ServerStatistics()
    let batchQueue: BatchQueue<ActStream>
    private let policy: Policy
    private let token: BearerToken?
    private let logger: Logger
    private var wire: WireServer!
    private var inference: InferenceLoop!
    private let stopped = Atomic(false)

    public init(configuration: LearnerServerConfiguration, policy: Policy, logger: Logger = Logger(label: "seedrl.server")) throws {
        let spec = configuration.spec
        guard spec.byteCount > 0, spec.dtype != .unspecified else {
            throw RPCError(.invalidArgument, "observation spec \(spec.shapeDescription) is empty or has no dtype")
        }
        guard spec.numActions >= 1, spec.numActions == policy.numActions else {
            throw RPCError(.invalidArgument, "spec has \(spec.numActions) actions, the policy \(policy.numActions)")
        }
        guard configuration.maxStreams >= 1 else {
            throw RPCError(.invalidArgument, "max streams must be at least 1, got \(configuration.maxStreams)")
        }
        self.configuration = configuration
        self.policy = policy
        self.logger = logger
        token = configuration.token.map(BearerToken.init)
        batchQueue = BatchQueue(policy: try configuration.batchingPolicy(), capacity: configuration.maxStreams)
        var wireConfiguration = WireServerConfiguration(
            listenAddresses: configuration.listenAddresses, maxReceiveMessageBytes: spec.maxStepMessageBytes)
        wireConfiguration.pollerThreads = configuration.pollerThreads
        wireConfiguration.keepaliveMilliseconds = configuration.keepaliveMilliseconds
        wireConfiguration.security = configuration.security
        inference = InferenceLoop(queue: batchQueue, policy: policy, statistics: statistics,
                                  observationBytes: spec.byteCount, unrolls: configuration.recording?.queue)
        wire = try WireServer(configuration: wireConfiguration, service: self)
    }

    /// Ports bound, in the order of `listenAddresses` (0 for unix sockets).
    public var boundPorts: [Int] { wire.boundPorts }

    public func start() {
        inference.start()
        wire.start()
        logger.info("serving", metadata: [
            "addresses": "\(configuration.listenAddresses)", "ports": "\(boundPorts)",
            "spec": "\(configuration.spec.shapeDescription)", "actions": "\(configuration.spec.numActions)",
        ])
    }

    /// Stops accepting, ends open streams with UNAVAILABLE "server shutting down",
    /// stops inference, and frees the gRPC server. Idempotent.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        logger.info("shutting down", metadata: ["open_streams": "\(statistics.openStreams)"])
        batchQueue.close()
        configuration.recording?.queue.close()  // a push blocked on back-pressure returns
        inference.join()
        wire.shutdown(endingStreamsWith: .unavailable, message: "server shutting down")
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
        return stats
    }

    // MARK: LearnerService (poller threads)

    public func openStream(_ stream: ServerStream) -> Result<ServerStreamHandler, RPCError> {
        if let error = token?.check(stream.context.authorization) { return .failure(error) }
        let limit = configuration.maxStreams
        if statistics.activeStreams.add(1, ordering: .relaxed).newValue > limit {
            statistics.activeStreams.subtract(1, ordering: .relaxed)
            return .failure(RPCError(.resourceExhausted, "server is serving its maximum of \(limit) streams (--max-streams)"))
        }
        statistics.streamsOpened.add(1, ordering: .relaxed)
        batchQueue.streamOpened()
        logger.debug("stream opened", metadata: ["stream": "\(stream.id)", "peer": "\(stream.context.peer)"])
        return .success(ActStream(stream: stream, server: self, spec: configuration.spec,
                                  unrollLength: configuration.recording?.unrollLength))
    }

    func streamClosed(_ stream: ActStream) {
        batchQueue.streamClosed()
        statistics.activeStreams.subtract(1, ordering: .relaxed)
        logger.debug("stream closed", metadata: ["stream": "\(stream.stream.id)"])
    }

    public func getSpec(context: CallContext) -> Result<SpecMessage, RPCError> {
        if let error = token?.check(context.authorization) { return .failure(error) }
        let spec = configuration.spec
        return .success(SpecMessage(
            env: spec.envName, observationShape: spec.shape.map(Int64.init), observationDType: spec.dtype,
            numActions: Int32(spec.numActions), modelVersion: policy.modelVersion))
    }

    public func getStats(context: CallContext) -> Result<StatsMessage, RPCError> {
        if let error = token?.check(context.authorization) { return .failure(error) }
        return .success(stats())
    }
}

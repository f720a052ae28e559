import Contract
import BatchQueue
import Replay
import Synchronization
import Threading
import Wire

/// The server's state for one Act stream: its validator, the episode it is in, and the
/// Step it is waiting on an Action for (prepared into the policy's input row as it
/// arrived, and staged in the stream's unroll).
///
/// Confinement: `received`/`closed` run on the stream's poller thread; between enqueue
/// and reply the stream belongs to the inference thread (handed over by the batch
/// queue's lock). Never both at once, by the contract's ping-pong.
public final class ActStream: ServerStreamHandler, @unchecked Sendable {
    let stream: StepTransport
    private unowned let server: StreamHub
    private let policy: Policy
    private var validator: StepValidator
    private var episodeReturn: Double = 0
    /// The pending Step's observation as the policy's input row. Allocated with the
    /// stream's other per-stream memory at its first Step (an idle stream holds none).
    private(set) var preparedRow: UnsafeMutableRawPointer?
    /// A recurrent policy's state for this stream (h then c): zero at a stream's start and
    /// at every FIRST, advanced by each batch this stream is in. Nil for a feed-forward policy.
    private(set) var state: UnsafeMutablePointer<Float>?
    /// This stream's partial trajectory: the pending Step is staged in it on receipt and
    /// committed with its action by the inference thread. Dropped with the stream.
    var unrollBuilder: UnrollBuilder?
    /// Bytes of the server's stream-memory budget this stream holds (0 before its first Step).
    private(set) var reservedBytes = 0
    private let unrollLength: Int?
    private let spec: ObservationSpec
    /// When the server started waiting for this client's next Step (monotonic ns); 0 while
    /// the server holds a Step of it. Read by the idle reaper.
    let awaitingClientSince = Atomic<UInt64>(MonotonicClock.now())
    /// When the idle reaper ended the stream (monotonic ns; 0: it has not): a client that
    /// never reads keeps even the status from going out, so the reaper cancels it later.
    let endedIdleAt = Atomic<UInt64>(0)
    /// The peer's host (address without port), for the per-peer limit.
    let peerHost: String

    init(stream: StepTransport, hub server: StreamHub, policy: Policy, spec: ObservationSpec, unrollLength: Int?, peerHost: String) {
        self.stream = stream
        self.peerHost = peerHost
        self.server = server
        self.policy = policy
        self.spec = spec
        self.unrollLength = unrollLength
        validator = StepValidator(spec: spec)
    }

    deinit {
        preparedRow?.deallocate()
        state?.deallocate()
    }

    /// Bytes a stream holds once it has sent a Step: its input row, recurrent state and
    /// partial unroll.
    static func memoryBytes(policy: Policy, spec: ObservationSpec, unrollLength: Int?) -> Int {
        let unroll = unrollLength.map {
            Unroll.storageBytes(length: $0, observationBytes: spec.byteCount, numActions: spec.numActions, stateSize: policy.stateSize)
        } ?? 0
        return max(policy.preparedRowBytes, 1) + policy.stateSize * MemoryLayout<Float>.size * (unrollLength == nil ? 1 : 2) + unroll
    }

    /// Takes this stream's memory from the server's budget and allocates it; false when
    /// the budget is spent.
    private func allocateMemory() -> Bool {
        let bytes = Self.memoryBytes(policy: policy, spec: spec, unrollLength: unrollLength)
        guard server.reserveStreamMemory(bytes) else { return false }
        reservedBytes = bytes
        preparedRow = .allocate(byteCount: max(policy.preparedRowBytes, 1), alignment: 64)
        let stateSize = policy.stateSize
        if stateSize > 0 {
            state = .allocate(capacity: stateSize)
            state?.update(repeating: 0, count: stateSize)
        }
        unrollBuilder = unrollLength.map {
            UnrollBuilder(length: $0, observationBytes: spec.byteCount, numActions: spec.numActions, stateSize: stateSize)
        }
        return true
    }

    /// The Step's bytes are valid only during this call (the poller's receive memory is
    /// reused for the next message): everything needed later is copied out here.
    public func received(_ step: StepView) {
        awaitingClientSince.store(0, ordering: .relaxed)
        let type: StepType
        switch validator.validate(step) {
        case .success(let valid): type = valid
        case .failure(let error):
            server.statistics.invalidSteps.add(1, ordering: .relaxed)
            stream.finish(.invalidArgument, error.message)
            return
        }
        if preparedRow == nil && !allocateMemory() {
            stream.finish(.resourceExhausted, server.streamMemoryRefusal)
            return
        }
        switch type {
        case .first:
            episodeReturn = 0
            state?.update(repeating: 0, count: policy.stateSize)
        case .mid:
            episodeReturn += Double(step.reward)
            server.statistics.environmentSteps.add(1, ordering: .relaxed)
        case .last:
            episodeReturn += Double(step.reward)
            server.statistics.environmentSteps.add(1, ordering: .relaxed)
            server.statistics.recordEpisode(return: episodeReturn)
        }
        policy.prepare(observation: step.observation, into: preparedRow!)
        // FIRST's reward and discount belong to no transition (and may be anything).
        unrollBuilder?.stage(
            stepType: type, reward: type == .first ? 0 : step.reward,
            discount: type == .first ? 1 : step.discount, observation: step.observation, state: state.map { UnsafePointer($0) })
        do {
            try server.batchQueue.enqueue(self)
        } catch BatchQueueError.full(let capacity) {
            // Not reachable while each stream holds at most one pending step (the capacity is
            // --max-streams), but if it ever is, the client hears what happened.
            stream.finish(.resourceExhausted, "inference queue is full (\(capacity) steps pending)")
        } catch {
            stream.finish(.unavailable, "server shutting down")
        }
    }

    public func closed() {
        server.streamClosed(self)
    }
}

import Contract
import BatchQueue
import Replay
import Synchronization
import Threading
import Wire

/// The server's state for one Act or ActBatch stream: its lanes (one for Act, fixed by the
/// first message for ActBatch), each lane's input row and recurrent state, and the message
/// it is waiting on actions for (prepared into the rows as it arrived, staged in the
/// lanes' unrolls). A lane is to the learner exactly what one Act stream is.
///
/// Confinement: `received`/`closed` run on the stream's poller thread; between enqueue
/// and reply the stream belongs to the inference thread (handed over by the batch
/// queue's lock). Never both at once, by the contract's ping-pong.
public final class ActStream: ServerStreamHandler, @unchecked Sendable {
    let stream: StepTransport
    private unowned let server: StreamHub
    private let policy: Policy
    private let spec: ObservationSpec
    private let unrollLength: Int?
    private let returnDiscount: Float
    /// Each lane's validator: one for Act from the start; for ActBatch as many as the
    /// first message's lanes (nothing else is allocated before a message is valid).
    private var validators: [StepValidator]
    private let limits: ValueLimits
    /// The server's counters (held strongly: this may outlive the hub by a moment).
    private let statistics: ServerStatistics
    /// The lanes' episodes and unrolls, created with their memory once a first message is valid.
    var lanes: [Lane] = []
    var laneCount: Int { lanes.count }
    /// Lanes counted against the server's stream limits (the stream itself is one).
    private(set) var admittedLanes = 1
    /// The lanes' input rows, `rowStride` bytes apart, and their recurrent states (h then
    /// c, `stateSize` floats each; zero at the start and at every FIRST). Allocated with
    /// the stream's other memory at its first message.
    private var rows: UnsafeMutableRawPointer?
    private var states: UnsafeMutablePointer<Float>?
    private let rowStride: Int
    /// Bytes of the server's stream-memory budget this stream holds (0 before its first message).
    private(set) var reservedBytes = 0
    /// When the server started waiting for this client's next message (monotonic ns); 0
    /// while the server holds one of it. Read by the idle reaper.
    let awaitingClientSince = Atomic<UInt64>(MonotonicClock.now())
    /// When the idle reaper ended the stream (monotonic ns; 0: it has not): a client that
    /// never reads keeps even the status from going out, so the reaper cancels it later.
    let endedIdleAt = Atomic<UInt64>(0)
    /// The peer's host (address without port), for the per-peer limit.
    let peerHost: String

    init(stream: StepTransport, hub server: StreamHub, policy: Policy, spec: ObservationSpec, limits: ValueLimits,
         recording: LearnerServerConfiguration.Recording?, peerHost: String) {
        self.stream = stream
        self.peerHost = peerHost
        self.server = server
        self.policy = policy
        self.spec = spec
        unrollLength = recording?.unrollLength
        returnDiscount = recording?.returnDiscount ?? 1
        rowStride = (max(policy.preparedRowBytes, 1) + 63) & ~63
        self.limits = limits
        statistics = server.statistics
        validators = stream.method == .act ? [StepValidator(spec: spec, limits: limits)] : []
    }

    deinit {
        // The last owner is gone (the hub's registry, the batch queue, the inference thread),
        // so the lanes' builders are settled: count what they had begun and is now dropped.
        for lane in lanes {
            guard let builder = lane.unrollBuilder, builder.count > 1 else { continue }
            statistics.partialUnrollsDropped.add()
            statistics.partialUnrollStepsDropped.add(UInt64(builder.count - 1))
        }
        rows?.deallocate()
        states?.deallocate()
    }

    @inline(__always) func preparedRow(_ lane: Int) -> UnsafeRawPointer { UnsafeRawPointer(rows! + lane * rowStride) }
    @inline(__always) func state(_ lane: Int) -> UnsafeMutablePointer<Float> { states! + lane * policy.stateSize }

    /// Bytes one lane holds once its stream has sent a message: its input row, recurrent
    /// state and partial unroll.
    static func memoryBytes(policy: Policy, spec: ObservationSpec, unrollLength: Int?) -> Int {
        let unroll = unrollLength.map {
            Unroll.storageBytes(length: $0, observationBytes: spec.byteCount, actionWidth: spec.action.width, stateSize: policy.stateSize)
        } ?? 0
        return max(policy.preparedRowBytes, 1) + policy.stateSize * MemoryLayout<Float>.size * (unrollLength == nil ? 1 : 2) + unroll
    }

    /// Creates `count` lanes: their share of the server's memory budget, then the memory.
    /// Returns the status to end the stream with when the server has no room for them.
    private func openLanes(_ count: Int) -> RPCError? {
        let bytes = count * Self.memoryBytes(policy: policy, spec: spec, unrollLength: unrollLength)
        guard server.reserveStreamMemory(bytes) else { return RPCError(.resourceExhausted, server.streamMemoryRefusal) }
        reservedBytes = bytes
        rows = .allocate(byteCount: count * rowStride, alignment: 64)
        let stateSize = policy.stateSize
        if stateSize > 0 {
            states = .allocate(capacity: count * stateSize)
            states!.update(repeating: 0, count: count * stateSize)
        }
        lanes = (0..<count).map { _ in
            Lane(unrollBuilder: unrollLength.map {
                UnrollBuilder(length: $0, observationBytes: spec.byteCount, actionWidth: spec.action.width, stateSize: stateSize,
                              returnDiscount: returnDiscount)
            })
        }
        return nil
    }

    /// An Act stream's Step. Its bytes are valid only during this call (the poller's
    /// receive memory is reused for the next message): everything needed later is copied
    /// out here.
    public func received(_ step: StepView) {
        awaitingClientSince.store(0, ordering: .relaxed)
        receivedAt = MonotonicClock.now()
        let type: StepType
        switch validators[0].validate(step) {
        case .success(let valid): type = valid
        case .failure(let error): return refuse(error)
        }
        if lanes.isEmpty, let refusal = openLanes(1) { return stream.finish(refusal.code, refusal.message) }
        if accept(step, type: type, lane: 0) > 0 { server.statistics.environmentSteps.add(1, ordering: .relaxed) }
        enqueue()
    }

    /// An ActBatch stream's StepBatch: every lane is checked before any is taken, so a
    /// message is accepted whole or ends the stream.
    public func received(_ batch: StepBatchView) {
        awaitingClientSince.store(0, ordering: .relaxed)
        receivedAt = MonotonicClock.now()
        let first = validators.isEmpty
        let count = first ? batch.rawStepTypes.count : validators.count
        if let problem = shapeProblem(batch, lanes: count, first: first) { return refuse(problem) }
        if first {
            if let refusal = server.admitLanes(count - 1, of: self) { return stream.finish(refusal.code, refusal.message) }
            admittedLanes = count
            validators = Array(repeating: StepValidator(spec: spec, limits: limits), count: count)
        }
        let bytes = spec.byteCount
        types.removeAll(keepingCapacity: true)
        for lane in 0..<count {
            switch validators[lane].validate(batch.lane(lane, observationBytes: bytes)) {
            case .success(let type): types.append(type)
            case .failure(let error): return refuse(StepError("lane \(lane): \(error.message)", reason: error.reason))
            }
        }
        if lanes.isEmpty, let refusal = openLanes(count) { return stream.finish(refusal.code, refusal.message) }
        var environmentSteps = 0
        for lane in 0..<count {
            environmentSteps += accept(batch.lane(lane, observationBytes: bytes), type: types[lane], lane: lane)
        }
        // One atomic add per message, not per lane.
        if environmentSteps > 0 { server.statistics.environmentSteps.add(UInt64(environmentSteps), ordering: .relaxed) }
        enqueue()
    }

    /// The step types of the message being taken (kept to save an allocation per message).
    private var types: [StepType] = []

    private func refuse(_ error: StepError) {
        server.statistics.recordInvalid(error.reason)
        stream.finish(.invalidArgument, error.message)
    }

    /// When the message being answered arrived (monotonic ns): written on receipt, read by
    /// the inference thread after the batch queue handed the stream over.
    var receivedAt: UInt64 = 0

    /// The counts of a StepBatch against the stream's lanes (the first message fixes them).
    private func shapeProblem(_ batch: StepBatchView, lanes count: Int, first: Bool) -> StepError? {
        if first {
            if count == 0 { return StepError("a StepBatch needs at least one lane (one step_type per lane)", reason: .lanes) }
            let limit = server.configuration.maxLanes
            if count > limit {
                return StepError("\(count) lanes exceed the server's maximum of \(limit) (Spec.max_lanes, --max-lanes)", reason: .lanes)
            }
        }
        let fields = [("step_types", batch.rawStepTypes.count), ("rewards", batch.rewards.count), ("discounts", batch.discounts.count)]
        for (name, got) in fields where got != count {
            return StepError("expected \(count) \(name), one per lane, got \(got)", reason: .lanes)
        }
        let expected = count * spec.byteCount
        if batch.observations.count != expected {
            return StepError(reason: .observationSize, "observations hold \(batch.observations.count) bytes, expected \(expected) "
                + "(\(count) lanes of \(spec.byteCount), shape \(spec.shapeDescription))")
        }
        return nil
    }

    /// Takes a valid Step of `lane`: the lane's episode, its input row and unroll. Returns
    /// the environment steps it counts for (1 for MID and LAST; FIRST is a reset), which the
    /// caller adds to the server's counter once per message.
    private func accept(_ step: StepView, type: StepType, lane index: Int) -> Int {
        let stateSize = policy.stateSize
        switch type {
        case .first:
            lanes[index].episodeReturn = 0
            if stateSize > 0 { state(index).update(repeating: 0, count: stateSize) }
        case .mid:
            lanes[index].episodeReturn += Double(step.reward)
        case .last:
            lanes[index].episodeReturn += Double(step.reward)
            server.statistics.recordEpisode(return: lanes[index].episodeReturn)
        }
        policy.prepare(observation: step.observation, into: rows! + index * rowStride)
        // FIRST's reward and discount belong to no transition (and may be anything).
        lanes[index].unrollBuilder?.stage(
            stepType: type, reward: type == .first ? 0 : step.reward, discount: type == .first ? 1 : step.discount,
            observation: step.observation, state: stateSize > 0 ? UnsafePointer(state(index)) : nil)
        return type == .first ? 0 : 1
    }

    private func enqueue() {
        do {
            try server.batchQueue.enqueue(self, rows: laneCount)
        } catch BatchQueueError.full(let capacity) {
            // Not reachable while each stream holds at most one pending message (the capacity
            // is --max-streams), but if it ever is, the client hears what happened.
            stream.finish(.resourceExhausted, "inference queue is full (\(capacity) messages pending)")
        } catch {
            stream.finish(.unavailable, "server shutting down")
        }
    }

    public func closed() {
        server.streamClosed(self)
    }
}

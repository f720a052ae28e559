import BatchQueue
import Replay
import Threading
import Wire

/// The inference thread: takes batches of waiting streams, runs the policy once per
/// batch on the input rows their lanes prepared (an Act stream one row, an ActBatch
/// stream one per lane), commits each lane's action to its unroll, starts one reply per
/// stream, and then pushes complete unrolls to the learner.
final class InferenceLoop: @unchecked Sendable {
    // Buffers are touched only by the loop's own thread.
    private let queue: BatchQueue<ActStream>
    private let policy: Policy
    private let statistics: ServerStatistics
    private let unrolls: UnrollQueue?
    private let actionWidth: Int
    /// Row i's prepared input, held by its stream (valid until that stream is replied
    /// to: only then may its next Step arrive).
    private let preparedRows: UnsafeMutablePointer<UnsafeRawPointer>
    /// Row i's recurrent state, held by its stream (nil rows: a feed-forward policy).
    private let stateRows: UnsafeMutablePointer<UnsafeMutablePointer<Float>>?
    /// The policy's action rows and their log-probabilities, row by row.
    private let actions: UnsafeMutablePointer<Float>
    private let logProbabilities: UnsafeMutablePointer<Float>
    /// The actions as the replies send them.
    private let replyActions: ReplyActions
    private var thread: OSThread?

    /// - Parameter maxRows: most rows one batch can have (the larger of the batching
    ///   policy's maximum and one message of the most lanes).
    init(queue: BatchQueue<ActStream>, policy: Policy, statistics: ServerStatistics, unrolls: UnrollQueue?, maxRows: Int) {
        self.queue = queue
        self.policy = policy
        self.statistics = statistics
        self.unrolls = unrolls
        actionWidth = policy.action.width
        let maxBatch = maxRows
        preparedRows = .allocate(capacity: maxBatch)
        stateRows = policy.stateSize > 0 ? .allocate(capacity: maxBatch) : nil
        actions = .allocate(capacity: maxBatch * actionWidth)
        logProbabilities = .allocate(capacity: maxBatch)
        replyActions = ReplyActions(action: policy.action, maxRows: maxBatch)
    }

    deinit {
        preparedRows.deallocate()
        stateRows?.deallocate()
        actions.deallocate()
        logProbabilities.deallocate()
    }

    func start() {
        thread = OSThread(name: "seedrl-infer") { [self] in run() }
    }

    /// Returns once the queue is closed and the loop has exited.
    func join() {
        thread?.join()
        thread = nil
    }

    private func run() {
        var batch: [ActStream] = []
        batch.reserveCapacity(queue.policy.maxBatch)
        var completed: [Unroll] = []
        completed.reserveCapacity(queue.policy.maxBatch)
        while queue.nextBatch(into: &batch) {
            var rowCount = 0
            let started = MonotonicClock.now()
            for stream in batch {
                statistics.queueWait.observe(started &- stream.receivedAt)
                for lane in 0..<stream.laneCount {
                    preparedRows[rowCount] = stream.preparedRow(lane)
                    if let stateRows { stateRows[rowCount] = stream.state(lane) }
                    rowCount += 1
                }
            }
            let version = policy.act(preparedRows: preparedRows, states: stateRows.map { UnsafePointer($0) }, count: rowCount,
                                     actions: actions, logProbabilities: logProbabilities)
            replyActions.convert(actions, rows: rowCount)
            // Before the replies: a replied stream may receive (and stage) its next message.
            if unrolls != nil { commit(batch, version: version, completed: &completed) }
            // Counted before the replies go out: a client that has its actions may ask
            // GetStats at once. Replies to streams that ended meanwhile are taken back.
            statistics.stepsServed.add(UInt64(rowCount), ordering: .relaxed)
            var unsent: UInt64 = 0
            statistics.batchRows.observe(UInt64(rowCount))
            let repliedAt = MonotonicClock.now()
            var firstRow = 0
            for stream in batch {
                let lanes = stream.laneCount
                stream.awaitingClientSince.store(repliedAt, ordering: .relaxed)
                statistics.roundTrip.observe(repliedAt &- stream.receivedAt)
                if !stream.stream.reply(actions: replyActions.payload(first: firstRow, count: lanes), modelVersion: version) {
                    unsent += UInt64(lanes)
                }
                firstRow += lanes
            }
            if unsent > 0 { statistics.stepsServed.subtract(unsent, ordering: .relaxed) }
            // After the replies: a full queue makes this wait (back-pressure) unless its
            // policy drops, and the actors should not wait for that.
            if let unrolls {
                for unroll in completed { unrolls.push(unroll) }
                completed.removeAll(keepingCapacity: true)
                // On-policy: no step is acted while a whole batch waits for the learner.
                if unrolls.policy == .onPolicy { unrolls.awaitInferenceTurn() }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Completes each lane's staged timestep with its action and collects the unrolls
    /// that completed.
    private func commit(_ batch: [ActStream], version: UInt64, completed: inout [Unroll]) {
        var row = 0
        for stream in batch {
            for lane in 0..<stream.laneCount {
                if let unroll = stream.lanes[lane].unrollBuilder?.commit(
                    action: actions + row * actionWidth, logProbability: logProbabilities[row], version: version) {
                    completed.append(unroll)
                }
                row += 1
            }
        }
    }
}

import BatchQueue
import Replay
import Threading
import Wire

/// The inference thread: takes batches of waiting streams, runs the policy once per
/// batch on the input rows their streams prepared, commits each step's action to its
/// stream's unroll, starts every reply, and then pushes complete unrolls to the learner.
final class InferenceLoop: @unchecked Sendable {
    // Buffers are touched only by the loop's own thread.
    private let queue: BatchQueue<ActStream>
    private let policy: Policy
    private let statistics: ServerStatistics
    private let unrolls: UnrollQueue?
    private let numActions: Int
    /// Row i's prepared input, held by its stream (valid until that stream is replied
    /// to: only then may its next Step arrive).
    private let preparedRows: UnsafeMutablePointer<UnsafeRawPointer>
    /// Row i's recurrent state, held by its stream (nil rows: a feed-forward policy).
    private let stateRows: UnsafeMutablePointer<UnsafeMutablePointer<Float>>?
    private let actions: UnsafeMutablePointer<Int32>
    private let logits: UnsafeMutablePointer<Float>
    private var thread: OSThread?

    init(queue: BatchQueue<ActStream>, policy: Policy, statistics: ServerStatistics, unrolls: UnrollQueue?) {
        self.queue = queue
        self.policy = policy
        self.statistics = statistics
        self.unrolls = unrolls
        numActions = policy.numActions
        let maxBatch = queue.policy.maxBatch
        preparedRows = .allocate(capacity: maxBatch)
        stateRows = policy.stateSize > 0 ? .allocate(capacity: maxBatch) : nil
        actions = .allocate(capacity: maxBatch)
        logits = .allocate(capacity: maxBatch * numActions)
    }

    deinit {
        preparedRows.deallocate()
        stateRows?.deallocate()
        actions.deallocate()
        logits.deallocate()
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
            for (row, stream) in batch.enumerated() {
                preparedRows[row] = UnsafeRawPointer(stream.preparedRow!)
                if let stateRows { stateRows[row] = stream.state! }
            }
            let version = policy.act(preparedRows: preparedRows, states: stateRows.map { UnsafePointer($0) }, count: batch.count,
                                     actions: actions, logits: logits)
            // Before the replies: a replied stream may receive (and stage) its next Step.
            if unrolls != nil { commit(batch, version: version, completed: &completed) }
            // Counted before the replies go out: a client that has its Action may ask
            // GetStats at once. Replies to streams that ended meanwhile are taken back.
            statistics.stepsServed.add(UInt64(batch.count), ordering: .relaxed)
            var unsent: UInt64 = 0
            let repliedAt = MonotonicClock.now()
            for (row, stream) in batch.enumerated() {
                stream.awaitingClientSince.store(repliedAt, ordering: .relaxed)
                if !stream.stream.reply(ActionMessage(action: actions[row], modelVersion: version)) { unsent += 1 }
            }
            if unsent > 0 { statistics.stepsServed.subtract(unsent, ordering: .relaxed) }
            // After the replies: a full queue makes this wait (back-pressure) unless its
            // policy drops, and the actors should not wait for that.
            if let unrolls {
                for unroll in completed { unrolls.push(unroll) }
                completed.removeAll(keepingCapacity: true)
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Completes each row's staged timestep with its action and collects the unrolls
    /// that completed.
    private func commit(_ batch: [ActStream], version: UInt64, completed: inout [Unroll]) {
        for (row, stream) in batch.enumerated() {
            if let unroll = stream.unrollBuilder?.commit(action: actions[row], logits: logits + row * numActions, version: version) {
                completed.append(unroll)
            }
        }
    }
}

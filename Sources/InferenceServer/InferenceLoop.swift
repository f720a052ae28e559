import BatchQueue
import Replay
import Threading
import Wire

/// The inference thread: takes batches of waiting streams, runs the policy once per
/// batch on their observations where they were received, records the steps into each
/// stream's unroll, starts every reply, and then pushes complete unrolls to the learner.
final class InferenceLoop: @unchecked Sendable {
    // Buffers are touched only by the loop's own thread.
    private let queue: BatchQueue<ActStream>
    private let policy: Policy
    private let statistics: ServerStatistics
    private let unrolls: UnrollQueue?
    private let observationBytes: Int
    private let numActions: Int
    /// Row i's observation, in its stream's receive memory (valid until that stream is
    /// replied to: only then may its next Step arrive).
    private let observationRows: UnsafeMutablePointer<UnsafeRawPointer>
    private let actions: UnsafeMutablePointer<Int32>
    private let logits: UnsafeMutablePointer<Float>
    // What arrived with each row's Step, captured before the reply lets the stream move on.
    private let stepTypes: UnsafeMutablePointer<UInt8>
    private let rewards: UnsafeMutablePointer<Float>
    private let discounts: UnsafeMutablePointer<Float>
    private var thread: OSThread?

    init(queue: BatchQueue<ActStream>, policy: Policy, statistics: ServerStatistics, observationBytes: Int, unrolls: UnrollQueue?) {
        self.queue = queue
        self.policy = policy
        self.statistics = statistics
        self.unrolls = unrolls
        self.observationBytes = observationBytes
        numActions = policy.numActions
        let maxBatch = queue.policy.maxBatch
        observationRows = .allocate(capacity: maxBatch)
        actions = .allocate(capacity: maxBatch)
        logits = .allocate(capacity: maxBatch * numActions)
        stepTypes = .allocate(capacity: maxBatch)
        rewards = .allocate(capacity: maxBatch)
        discounts = .allocate(capacity: maxBatch)
    }

    deinit {
        observationRows.deallocate()
        actions.deallocate()
        logits.deallocate()
        stepTypes.deallocate()
        rewards.deallocate()
        discounts.deallocate()
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
                observationRows[row] = stream.observation.baseAddress!
                stepTypes[row] = UInt8(stream.pendingStepType.rawValue)
                rewards[row] = stream.pendingReward
                discounts[row] = stream.pendingDiscount
            }
            let version = policy.act(observationRows: observationRows, count: batch.count, actions: actions, logits: logits)
            // Before the replies: a replied stream may receive its next Step into the
            // memory its observation row points at.
            if unrolls != nil { record(batch, version: version, completed: &completed) }
            var sent: UInt64 = 0
            let repliedAt = MonotonicClock.now()
            for (row, stream) in batch.enumerated() {
                stream.awaitingClientSince.store(repliedAt, ordering: .relaxed)
                if stream.stream.reply(ActionMessage(action: actions[row], modelVersion: version)) { sent += 1 }
            }
            statistics.stepsServed.add(sent, ordering: .relaxed)
            // After the replies: a full queue makes this wait (back-pressure) unless its
            // policy drops, and the actors should not wait for that.
            if let unrolls {
                for unroll in completed { unrolls.push(unroll) }
                completed.removeAll(keepingCapacity: true)
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Appends each row to its stream's unroll and collects the unrolls that completed.
    private func record(_ batch: [ActStream], version: UInt64, completed: inout [Unroll]) {
        for (row, stream) in batch.enumerated() {
            let observation = UnsafeRawBufferPointer(start: observationRows[row], count: observationBytes)
            if let unroll = stream.unrollBuilder?.append(
                stepType: stepTypes[row], reward: rewards[row], discount: discounts[row], observation: observation,
                action: actions[row], logits: logits + row * numActions, version: version) {
                completed.append(unroll)
            }
        }
    }
}

import BatchQueue
import Replay
import Threading
import Wire

/// The inference thread: takes batches of waiting streams, gathers their observations,
/// runs the policy once per batch, starts every reply, and records the steps into each
/// stream's unroll (pushing complete unrolls to the learner).
final class InferenceLoop: @unchecked Sendable {
    // Buffers are touched only by the loop's own thread.
    private let queue: BatchQueue<ActStream>
    private let policy: Policy
    private let statistics: ServerStatistics
    private let unrolls: UnrollQueue?
    private let observationBytes: Int
    private let numActions: Int
    private let observations: UnsafeMutableRawPointer
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
        observations = .allocate(byteCount: max(maxBatch * observationBytes, 1), alignment: 64)
        actions = .allocate(capacity: maxBatch)
        logits = .allocate(capacity: maxBatch * numActions)
        stepTypes = .allocate(capacity: maxBatch)
        rewards = .allocate(capacity: maxBatch)
        discounts = .allocate(capacity: maxBatch)
    }

    deinit {
        observations.deallocate()
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
        while queue.nextBatch(into: &batch) {
            for (row, stream) in batch.enumerated() {
                (observations + row * observationBytes).copyMemory(from: stream.observation.baseAddress!, byteCount: observationBytes)
                stepTypes[row] = UInt8(stream.pendingStepType.rawValue)
                rewards[row] = stream.pendingReward
                discounts[row] = stream.pendingDiscount
            }
            let version = policy.act(observations: observations, count: batch.count, actions: actions, logits: logits)
            var sent: UInt64 = 0
            let repliedAt = MonotonicClock.now()
            for (row, stream) in batch.enumerated() {
                stream.awaitingClientSince.store(repliedAt, ordering: .relaxed)
                if stream.stream.reply(ActionMessage(action: actions[row], modelVersion: version)) { sent += 1 }
            }
            statistics.stepsServed.add(sent, ordering: .relaxed)
            if let unrolls { record(batch, version: version, into: unrolls) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Appends each row to its stream's unroll, from this loop's own copies (the stream
    /// may already be receiving its next Step). A full queue makes this wait
    /// (back-pressure) unless its policy drops.
    private func record(_ batch: [ActStream], version: UInt64, into unrolls: UnrollQueue) {
        for (row, stream) in batch.enumerated() {
            let observation = UnsafeRawBufferPointer(start: observations + row * observationBytes, count: observationBytes)
            if let unroll = stream.unrollBuilder?.append(
                stepType: stepTypes[row], reward: rewards[row], discount: discounts[row], observation: observation,
                action: actions[row], logits: logits + row * numActions, version: version) {
                unrolls.push(unroll)
            }
        }
    }
}

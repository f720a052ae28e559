import BatchQueue
import Threading
import Wire

/// The inference thread: takes batches of waiting streams, gathers their observations,
/// runs the policy once per batch and starts every reply.
final class InferenceLoop: @unchecked Sendable {
    // Buffers are touched only by the loop's own thread.
    private let queue: BatchQueue<ActStream>
    private let policy: Policy
    private let statistics: ServerStatistics
    private let observationBytes: Int
    private let observations: UnsafeMutableRawPointer
    private let actions: UnsafeMutablePointer<Int32>
    private let logits: UnsafeMutablePointer<Float>
    private var thread: OSThread?

    init(queue: BatchQueue<ActStream>, policy: Policy, statistics: ServerStatistics, observationBytes: Int) {
        self.queue = queue
        self.policy = policy
        self.statistics = statistics
        self.observationBytes = observationBytes
        let maxBatch = queue.policy.maxBatch
        observations = .allocate(byteCount: max(maxBatch * observationBytes, 1), alignment: 64)
        actions = .allocate(capacity: maxBatch)
        logits = .allocate(capacity: maxBatch * policy.numActions)
    }

    deinit {
        observations.deallocate()
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
        while queue.nextBatch(into: &batch) {
            for (row, stream) in batch.enumerated() {
                (observations + row * observationBytes).copyMemory(from: stream.observation.baseAddress!, byteCount: observationBytes)
            }
            let version = policy.act(observations: observations, count: batch.count, actions: actions, logits: logits)
            var sent: UInt64 = 0
            for (row, stream) in batch.enumerated() where stream.stream.reply(ActionMessage(action: actions[row], modelVersion: version)) {
                sent += 1
            }
            statistics.stepsServed.add(sent, ordering: .relaxed)
            batch.removeAll(keepingCapacity: true)
        }
    }
}

import Randomness
import Replay
import Synchronization
import Threading

/// How much of each batch is replayed rather than fresh.
public struct ReplaySettings: Sendable, Equatable {
    /// Fraction of each batch re-drawn from the buffer, in [0, 1).
    public var ratio: Double
    public var capacity: Int
    public var sampling: ReplayBuffer.Sampling

    public init(ratio: Double, capacity: Int, sampling: ReplayBuffer.Sampling) {
        self.ratio = ratio
        self.capacity = capacity
        self.sampling = sampling
    }
}

/// Progress of the learner thread, readable from any thread.
public struct TrainingProgress: Sendable, Equatable {
    public var steps: UInt64 = 0
    public var framesTrained: UInt64 = 0
    public var last = TrainingStepReport()
    /// Seconds the learner spent computing (not waiting for unrolls).
    public var busySeconds: Double = 0
    public init() {}
}

/// The learner thread: takes batches of unrolls (fresh from the queue, optionally some
/// replayed), runs a `Learner` step on each, and publishes progress. Stops when the
/// queue is closed.
public final class TrainingLoop: @unchecked Sendable {
    // `learner`, `replay` and `generator` are confined to the learner thread.
    private let learner: Learner
    private let queue: UnrollQueue
    private let replaySettings: ReplaySettings?
    private var replay: ReplayBuffer?
    private var generator: SeededGenerator
    private let progressState: Locked<TrainingProgress>
    private var thread: OSThread?
    private let checkpointEvery: UInt64?
    private let checkpoint: (@Sendable (Learner, [UInt64]) -> Void)?

    /// - Parameters:
    ///   - checkpointSeconds, checkpoint: when both are given, `checkpoint` is called on
    ///     the learner thread between steps at most every `checkpointSeconds`, with the
    ///     learner and this loop's generator state, so it reads a consistent state.
    public init(learner: Learner, queue: UnrollQueue, replay: ReplaySettings?, seed: UInt64,
                generatorState: [UInt64]? = nil, checkpointSeconds: Double? = nil,
                checkpoint: (@Sendable (Learner, [UInt64]) -> Void)? = nil) {
        self.learner = learner
        self.queue = queue
        replaySettings = replay.flatMap { $0.ratio > 0 ? $0 : nil }
        self.replay = replaySettings.map { ReplayBuffer(capacity: $0.capacity, sampling: $0.sampling) }
        generator = generatorState.flatMap(SeededGenerator.init(state:)) ?? SeededGenerator(seed: seed, stream: 0x7EA1)
        checkpointEvery = checkpointSeconds.map { UInt64($0 * 1e9) }
        self.checkpoint = checkpoint
        var initial = TrainingProgress()
        initial.framesTrained = learner.framesTrained
        progressState = Locked(initial)
    }

    public var progress: TrainingProgress { progressState.withLock { $0 } }

    public func start() {
        thread = OSThread(name: "seedrl-learner") { [self] in run() }
    }

    /// Closes the queue and waits for the thread; the learner is then free to read.
    public func stop() {
        queue.close()
        thread?.join()
        thread = nil
    }

    /// The learner, for checkpoints (only after `stop`, or before `start`).
    public var stoppedLearner: Learner { learner }

    /// The generator's state (only after `stop`, or before `start`).
    public var stoppedGeneratorState: [UInt64] { generator.state }

    private func run() {
        let batch = learner.settings.batchSize
        var lastCheckpoint = MonotonicClock.now()
        while true {
            if let every = checkpointEvery, let checkpoint, MonotonicClock.now() - lastCheckpoint >= every {
                checkpoint(learner, generator.state)
                lastCheckpoint = MonotonicClock.now()
            }
            let replayCount = replayCountForNextBatch(batch)
            guard let fresh = queue.pop(batch - replayCount) else { return }
            let started = MonotonicClock.now()
            var unrolls = fresh
            var weights = [Float](repeating: 1, count: fresh.count)
            var slots: [Int] = []
            // `replay!` is mutated in place: a local copy would copy the whole buffer.
            if replay != nil {
                let samples = replay!.sample(replayCount, using: &generator)
                unrolls += samples.map(\.unroll)
                weights += samples.map(\.weight)
                slots = samples.map(\.slot)
                for unroll in fresh { replay!.insert(unroll) }
            }
            let report = learner.step(unrolls, weights: weights)
            for (index, slot) in slots.enumerated() {
                replay!.updatePriority(slot: slot, priority: report.unrollPriorities[fresh.count + index])
            }
            let busy = Double(MonotonicClock.now() - started) / 1e9
            progressState.withLock { progress in
                progress.steps += 1
                progress.framesTrained = learner.framesTrained
                progress.last = report
                progress.busySeconds += busy
            }
        }
    }

    private func replayCountForNextBatch(_ batch: Int) -> Int {
        guard let settings = replaySettings, let buffer = replay else { return 0 }
        let wanted = Int((Double(batch) * settings.ratio).rounded())
        return buffer.count >= wanted ? min(wanted, batch - 1) : 0
    }
}

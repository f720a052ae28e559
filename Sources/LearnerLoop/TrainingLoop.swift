import Randomness
import Replay
import Synchronization
import Telemetry
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
    /// Data-parallel jobs: the job's counters (each rank's `jobCounters`, summed over the
    /// ranks at the last step; nil for a learner alone), and seconds spent in the gradient
    /// all-reduce.
    public var jobCounters: JobCounters?
    public var reduceSeconds: Double = 0
    /// Steps whose gradient was not finite and that were skipped, not applied.
    public var skippedNonFiniteSteps: UInt64 = 0
    /// Set when the thread has ended: unrolls still queued then, never trained on (fewer
    /// than a batch, or left when the drain ran out of time).
    public var unrollsDiscardedAtStop = 0
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
    private let joinGroup: (@Sendable () -> DataParallelGroup)?
    private let jobCounters: (@Sendable () -> JobCounters)?
    /// Set once the learner thread has joined its job and adopted rank 0's state.
    private let joined = ConditionLock()
    private var hasJoined = false
    private let stopRequested = Atomic(false)
    /// Monotonic ns after which a stopping learner stops draining the queue (0: not stopping).
    private let drainDeadline = Atomic<UInt64>(0)
    private let checkpointRequested = Atomic(false)
    /// Seconds each learner step took (computing, not waiting for unrolls).
    public let stepSeconds = Histogram.doubling(from: 1e-4, count: 16, unit: 1e-9)
    /// Each step's mean policy lag: learner versions between acting and training.
    public let policyLag = Histogram(bounds: [0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256])

    /// - Parameters:
    ///   - checkpointSeconds, checkpoint: when both are given, `checkpoint` is called on
    ///     the learner thread between steps at most every `checkpointSeconds`, with the
    ///     learner and this loop's generator state, so it reads a consistent state.
    ///   - joinGroup: joins the ranks of a data-parallel job (nil: this learner alone).
    ///     It runs on the learner thread, which then makes every call on the group: it
    ///     adopts rank 0's state, and every iteration the ranks agree, in one small
    ///     all-reduce, on whether all have a batch, whether to stop and whether to
    ///     checkpoint; then they train together or not at all. Only rank 0 calls
    ///     `checkpoint`. The thread leaves the group when it ends.
    ///   - jobCounters: this rank's counters to sum across the job each iteration
    ///     (published in `progress.jobCounters`).
    public init(learner: Learner, queue: UnrollQueue, replay: ReplaySettings?, seed: UInt64,
                generatorState: [UInt64]? = nil, checkpointSeconds: Double? = nil,
                checkpoint: (@Sendable (Learner, [UInt64]) -> Void)? = nil,
                joinGroup: (@Sendable () -> DataParallelGroup)? = nil, jobCounters: (@Sendable () -> JobCounters)? = nil) {
        self.learner = learner
        self.queue = queue
        replaySettings = replay.flatMap { $0.ratio > 0 ? $0 : nil }
        self.replay = replaySettings.map { ReplayBuffer(capacity: $0.capacity, sampling: $0.sampling) }
        generator = generatorState.flatMap(SeededGenerator.init(state:)) ?? SeededGenerator(seed: seed, stream: 0x7EA1)
        checkpointEvery = checkpointSeconds.map { UInt64($0 * 1e9) }
        self.checkpoint = checkpoint
        self.joinGroup = joinGroup
        self.jobCounters = jobCounters
        var initial = TrainingProgress()
        initial.framesTrained = learner.framesTrained
        progressState = Locked(initial)
    }

    public var progress: TrainingProgress { progressState.withLock { $0 } }

    public func start() {
        thread = OSThread(name: "seedrl-learner") { [self] in
            guard let joinGroup else { return run() }
            let group = joinGroup()
            learner.adoptState(of: 0, in: group)
            joined.withLock {
                hasJoined = true
                joined.broadcast()
            }
            runDataParallel(group)
            group.leave()
        }
    }

    /// In a data-parallel job: waits until the learner thread has joined the job and
    /// adopted rank 0's state (serve only after this, so every rank serves the same
    /// parameters). Returns at once for a learner alone.
    public func waitUntilJoined() {
        guard joinGroup != nil else { return }
        joined.withLock { while !hasJoined { joined.wait() } }
    }

    /// Seals the queue, trains on what is queued (whole batches, for at most
    /// `drainSeconds`), and waits for the thread; the learner is then free to read.
    /// `progress.unrollsDiscardedAtStop` says what was left. In a data-parallel job every
    /// rank stops after the same step: the job drains while every rank has a batch.
    public func stop(drainSeconds: Double = 10) {
        drainDeadline.store(MonotonicClock.now() + UInt64(max(drainSeconds, 0) * 1e9), ordering: .relaxed)
        stopRequested.store(true, ordering: .relaxed)
        queue.seal()
        if thread == nil { finish() }
        thread?.join()
        thread = nil
    }

    /// The learner thread's last act: closes the queue (so no producer waits on a learner
    /// that is gone) and records what it discarded.
    private func finish() {
        let discarded = queue.close()
        progressState.withLock { $0.unrollsDiscardedAtStop += discarded }
        finished.store(true, ordering: .releasing)
    }

    private var drainHasExpired: Bool {
        let deadline = drainDeadline.load(ordering: .relaxed)
        return deadline != 0 && MonotonicClock.now() > deadline
    }

    /// Asks for a checkpoint at the next step boundary (SIGUSR1); in a job, every rank's
    /// request counts and rank 0 writes it.
    public func requestCheckpoint() {
        checkpointRequested.store(true, ordering: .relaxed)
    }

    /// Whether the thread has ended (a job's peer stopped it, or the queue closed).
    public var hasFinished: Bool { finished.load(ordering: .acquiring) }
    private let finished = Atomic(false)

    /// The learner, for checkpoints (only after `stop`, or before `start`).
    public var stoppedLearner: Learner { learner }

    /// The generator's state (only after `stop`, or before `start`).
    public var stoppedGeneratorState: [UInt64] { generator.state }

    private func run() {
        defer { finish() }
        let batch = learner.settings.batchSize
        var lastCheckpoint = MonotonicClock.now()
        while true {
            let due = checkpointEvery.map { MonotonicClock.now() - lastCheckpoint >= $0 } ?? false
            if let checkpoint, due || checkpointRequested.exchange(false, ordering: .relaxed) {
                checkpoint(learner, generator.state)
                lastCheckpoint = MonotonicClock.now()
            }
            let replayCount = replayCountForNextBatch(batch)
            guard !drainHasExpired, let fresh = queue.pop(batch - replayCount) else { return }
            train(fresh: fresh, replayCount: replayCount, group: nil)
        }
    }

    /// One data-parallel iteration per turn: take a batch if one comes within 50 ms,
    /// agree with the other ranks (one all-reduce of a few numbers: ready, stop,
    /// checkpoint, this rank's counters), then all train on their batches together, or
    /// all wait for another turn. Every rank takes the same branch, so nobody waits in a
    /// collective for a peer that went elsewhere.
    private func runDataParallel(_ group: DataParallelGroup) {
        defer { finish() }
        let batch = learner.settings.batchSize
        var lastCheckpoint = MonotonicClock.now()
        var pending: (fresh: [Unroll], replayCount: Int)? = nil
        var words: [Double] = []
        while true {
            if pending == nil {
                let replayCount = replayCountForNextBatch(batch)
                if let fresh = queue.pop(batch - replayCount, deadline: MonotonicClock.now() + 50_000_000) {
                    pending = (fresh, replayCount)
                }
            }
            let stop = stopRequested.load(ordering: .relaxed) || queue.isClosed
            let due = group.rank == 0 && (checkpointEvery.map { MonotonicClock.now() - lastCheckpoint >= $0 } ?? false)
            let wantsCheckpoint = checkpointRequested.exchange(false, ordering: .relaxed) || due
            words.removeAll(keepingCapacity: true)
            JobAgreement(ready: pending != nil, stopping: stop, checkpoint: wantsCheckpoint, drainExpired: drainHasExpired)
                .append(to: &words)
            (jobCounters?() ?? JobCounters()).append(to: &words)
            words.withUnsafeMutableBufferPointer { group.sumInPlace($0) }
            let agreed = JobAgreement(words: words[..<JobAgreement.fieldCount])
            let counters = JobCounters(words: words[JobAgreement.fieldCount...])
            progressState.withLock { $0.jobCounters = counters }
            if agreed.checkpoint > 0 {
                if group.rank == 0, let checkpoint { checkpoint(learner, generator.state) }
                lastCheckpoint = MonotonicClock.now()
            }
            let everyRankHasABatch = Int(agreed.ready) == group.size
            // Stopping: the job drains its queues while every rank has a batch and time is left.
            if agreed.stopping > 0 && (!everyRankHasABatch || agreed.drainExpired > 0) {
                if let pending { progressState.withLock { $0.unrollsDiscardedAtStop += pending.fresh.count } }
                return
            }
            guard everyRankHasABatch, let taken = pending else { continue }
            pending = nil
            train(fresh: taken.fresh, replayCount: taken.replayCount, group: group)
        }
    }

    private func train(fresh: [Unroll], replayCount: Int, group: DataParallelGroup?) {
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
        }
        let report = learner.step(unrolls, weights: weights, fresh: fresh.count, group: group)
        queue.trainingFinished()
        // Priorities of the replayed unrolls first, then the fresh ones go in: inserted
        // before, a fresh unroll could take a sampled one's slot and then its priority.
        // A skipped (non-finite) step leaves the priorities as they were.
        if !report.skippedNonFinite {
            for (index, slot) in slots.enumerated() {
                let priority = report.unrollPriorities[fresh.count + index]
                if priority.isFinite { replay!.updatePriority(slot: slot, priority: priority) }
            }
        }
        if replay != nil { for unroll in fresh { replay!.insert(unroll) } }
        let elapsed = MonotonicClock.now() - started
        stepSeconds.observe(elapsed)
        policyLag.observe(report.policyLag.isFinite ? UInt64(min(max(report.policyLag, 0), 1e9).rounded()) : 0)
        let busy = Double(elapsed) / 1e9
        progressState.withLock { progress in
            progress.steps += 1
            if report.skippedNonFinite { progress.skippedNonFiniteSteps += 1 }
            progress.framesTrained = learner.framesTrained
            progress.last = report
            progress.busySeconds += busy
            progress.reduceSeconds += report.reduceSeconds
        }
    }

    private func replayCountForNextBatch(_ batch: Int) -> Int {
        guard let settings = replaySettings, let buffer = replay else { return 0 }
        let wanted = Int((Double(batch) * settings.ratio).rounded())
        return buffer.count >= wanted ? min(wanted, batch - 1) : 0
    }
}

import Threading

/// A dynamic batcher between many producers (one pending item per stream, each of some
/// rows) and one consumer: a thin threaded shell around `BatchingStateMachine`.
///
/// Thread-safe. Producers never block; the consumer blocks in `nextBatch` on a
/// condition variable (no busy waiting) and is woken only when its decision may have
/// changed. `close()` wakes it for good.
public final class BatchQueue<Item>: @unchecked Sendable {
    // All mutable state is guarded by `lock`.
    private let lock = ConditionLock()
    private var machine: BatchingStateMachine
    private var items: [Item?]
    private var head = 0
    private var closed = false
    private var consumerWaiting = false
    private var statistics: BatchStatistics
    private let now: @Sendable () -> UInt64

    /// - Parameters:
    ///   - capacity: most items pending at once (for one item per stream: the stream limit).
    ///   - clock: monotonic nanoseconds; the real clock unless a test injects one. Timed
    ///     waits always use the real clock.
    public init(policy: BatchingPolicy, capacity: Int, clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now) {
        self.policy = policy
        machine = BatchingStateMachine(policy: policy, capacity: capacity)
        items = Array(repeating: nil, count: capacity)
        statistics = BatchStatistics(maxBatch: policy.maxBatch)
        now = clock
    }

    /// Fixed at init: read without the lock (the state machine itself is guarded).
    public let policy: BatchingPolicy

    public func streamOpened(rows: Int = 1) {
        lock.withLock { machine.streamOpened(rows: rows) }
    }

    /// A stream went away; if everyone left is now waiting, their batch goes.
    public func streamClosed(rows: Int = 1) {
        lock.withLock {
            machine.streamClosed(rows: rows)
            wakeConsumerIfNeeded(firstPending: false)
        }
    }

    public func enqueue(_ item: Item, rows: Int = 1) throws(BatchQueueError) {
        let instant = now()
        lock.lock()
        defer { lock.unlock() }
        if closed { throw .closed }
        try machine.enqueued(rows: rows, now: instant)
        items[(head + machine.pending - 1) % items.count] = item
        wakeConsumerIfNeeded(firstPending: machine.pending == 1)
    }

    /// Blocks until a batch is due and appends its items to `batch` (which it empties first).
    /// Returns false once the queue is closed; pending items are then dropped.
    public func nextBatch(into batch: inout [Item]) -> Bool {
        batch.removeAll(keepingCapacity: true)
        lock.lock()
        defer { lock.unlock() }
        while !closed {
            switch machine.decide(now: now()) {
            case .flush(let count):
                for offset in 0..<count {
                    let index = (head + offset) % items.count
                    batch.append(items[index].unsafelyUnwrapped)
                    items[index] = nil
                }
                head = (head + count) % items.count
                statistics.record(batchSize: machine.rows(ofFirst: count))
                machine.took(count)
                return true
            case .waitUntil(let deadline):
                consumerWaiting = true
                lock.wait(until: deadline)
                consumerWaiting = false
            case .waitForWork:
                consumerWaiting = true
                lock.wait()
                consumerWaiting = false
            }
        }
        return false
    }

    /// Stops the queue: `nextBatch` returns false, `enqueue` throws `.closed`.
    public func close() {
        lock.withLock {
            closed = true
            for index in items.indices { items[index] = nil }
            lock.broadcast()
        }
    }

    public var batchStatistics: BatchStatistics { lock.withLock { statistics } }

    // Lock held. A waiting consumer needs waking when it must arm a deadline for a first
    // item, or when a batch became due; otherwise its current wait is still right.
    private func wakeConsumerIfNeeded(firstPending: Bool) {
        guard consumerWaiting else { return }
        if firstPending {
            lock.signal()
            return
        }
        if case .flush = machine.decide(now: now()) { lock.signal() }
    }
}

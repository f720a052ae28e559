import Threading

/// What a full unroll queue does with one more unroll.
public enum UnrollQueuePolicy: String, Sendable, CaseIterable {
    /// The producer (inference) waits until the learner takes one: nothing acknowledged is
    /// lost; actors slow down to the learner's pace.
    case block
    /// The oldest waiting unroll is discarded (counted): inference never waits, the
    /// learner trains on the freshest data.
    case dropOldest = "drop-oldest"
    /// As `block`, and inference also pauses from the moment the queue is full (a batch
    /// is ready) until the learner has trained on what it took: every batch is acted by
    /// the parameters its training starts from, as in synchronous PPO. Actors idle while
    /// the learner trains; the queue holds one batch.
    case onPolicy = "on-policy"
}

/// The bounded queue between inference (producer) and the learner (consumer).
/// Thread-safe; blocking waits use a condition variable, no busy waiting.
public final class UnrollQueue: @unchecked Sendable {
    // All state below is guarded by `lock`.
    private let lock = ConditionLock()
    private var ring: [Unroll?]
    private var head = 0
    private var count = 0
    private var closed = false
    /// No producer will push again: pops hand out what is queued, then return nil.
    private var sealed = false
    public let policy: UnrollQueuePolicy
    /// Fixed at init: read without the lock (the ring itself is guarded).
    public let capacity: Int
    private(set) var droppedCount: UInt64 = 0
    /// `.onPolicy`: the learner took a batch and has not said it trained on it.
    private var training = false
    /// Serving has stopped: inference no longer waits for its turn (pushes still may).
    private var inferenceReleased = false

    public init(capacity: Int, policy: UnrollQueuePolicy) {
        precondition(capacity >= 1, "unroll queue capacity must be at least 1")
        ring = Array(repeating: nil, count: capacity)
        self.capacity = capacity
        self.policy = policy
    }


    /// Adds an unroll; with `.block` waits while full. Returns false once closed.
    @discardableResult
    public func push(_ unroll: Unroll) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while count == capacity && !closed && !sealed {
            switch policy {
            case .block, .onPolicy:
                lock.wait()
            case .dropOldest:
                ring[head] = nil
                head = (head + 1) % capacity
                count -= 1
                droppedCount += 1
            }
        }
        if closed || sealed { return false }
        ring[(head + count) % capacity] = unroll
        count += 1
        lock.broadcast()
        return true
    }

    /// Takes `n` unrolls, oldest first, waiting until that many are there. Returns nil
    /// once closed.
    public func pop(_ n: Int) -> [Unroll]? {
        pop(n, deadline: nil)
    }

    /// As `pop`, but gives up at `deadline` (monotonic nanoseconds; nil: never) and
    /// returns nil then too: a data-parallel learner must keep meeting its peers even
    /// when its own actors are slow.
    public func pop(_ n: Int, deadline: UInt64?) -> [Unroll]? {
        precondition(n >= 1 && n <= capacity, "cannot take \(n) from a queue of \(capacity)")
        lock.lock()
        defer { lock.unlock() }
        while count < n && !closed && !sealed {
            if let deadline {
                if !lock.wait(until: deadline) && count < n { return nil }
            } else {
                lock.wait()
            }
        }
        if closed || count < n { return nil }
        var taken: [Unroll] = []
        taken.reserveCapacity(n)
        for _ in 0..<n {
            taken.append(ring[head]!)
            ring[head] = nil
            head = (head + 1) % capacity
        }
        count -= n
        if policy == .onPolicy { training = true }
        lock.broadcast()
        return taken
    }

    /// `.onPolicy`: whether inference must pause now (a batch waits, or is being trained on).
    public var holdsInference: Bool {
        policy == .onPolicy && lock.withLock { (count == capacity || training) && !closed && !sealed && !inferenceReleased }
    }

    /// `.onPolicy`: the inference thread's wait between batches, until the learner has
    /// taken the full queue and trained on it (or the queue is sealed or closed, or serving
    /// has stopped: `releaseInference`). Returns at once for the other policies.
    public func awaitInferenceTurn() {
        guard policy == .onPolicy else { return }
        lock.lock()
        defer { lock.unlock() }
        while (count == capacity || training) && !closed && !sealed && !inferenceReleased { lock.wait() }
    }

    /// Serving is stopping: a held inference thread goes on to see that (a learner in a
    /// data-parallel job may wait for peers that no longer get batches). Pushes still
    /// wait for room, so the last acknowledged unrolls still reach the learner.
    public func releaseInference() {
        lock.withLock {
            inferenceReleased = true
            lock.broadcast()
        }
    }

    /// `.onPolicy`: the learner has trained on what it took last; inference may go on.
    public func trainingFinished() {
        guard policy == .onPolicy else { return }
        lock.withLock {
            training = false
            lock.broadcast()
        }
    }

    /// Serving has stopped: pushes fail from now on, pops still take what is queued (as
    /// long as there is enough for them) and then return nil instead of waiting.
    public func seal() {
        lock.withLock {
            sealed = true
            lock.broadcast()
        }
    }

    /// Wakes every waiter; pushes and pops fail from now on. Returns how many unrolls
    /// were still queued (and are discarded).
    @discardableResult
    public func close() -> Int {
        lock.withLock {
            closed = true
            let discarded = count
            for index in ring.indices { ring[index] = nil }
            count = 0
            lock.broadcast()
            return discarded
        }
    }

    public var depth: Int { lock.withLock { count } }
    public var isClosed: Bool { lock.withLock { closed } }
    public var dropped: UInt64 { lock.withLock { droppedCount } }
}

/// The batching decision as a pure value: no threads, no clock of its own. Every event
/// takes `now` (monotonic nanoseconds) and `decide` says what the consumer should do.
///
/// A batch goes when it is full (`maxBatch`), when every live stream has an item
/// pending (waiting longer cannot bring company: SEED's batcher stalls here), or when
/// its oldest item has waited `maxDelay`.
public struct BatchingStateMachine: Sendable {
    public enum Decision: Equatable, Sendable {
        /// Take this many items now.
        case flush(Int)
        /// Nothing to take before this instant, unless something else happens.
        case waitUntil(UInt64)
        /// Nothing pending: wait for an item.
        case waitForWork
    }

    public let policy: BatchingPolicy
    /// Streams that may still send an item; each has at most one pending.
    public private(set) var liveStreams = 0
    /// Enqueue times of pending items, oldest first (a ring, sized once).
    private var enqueueTimes: [UInt64]
    private var head = 0
    public private(set) var pending = 0

    public init(policy: BatchingPolicy, capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.policy = policy
        enqueueTimes = Array(repeating: 0, count: capacity)
    }

    public var capacity: Int { enqueueTimes.count }

    public mutating func streamOpened() { liveStreams += 1 }

    public mutating func streamClosed() {
        precondition(liveStreams > 0, "more streams closed than opened")
        liveStreams -= 1
    }

    /// Records an item arriving at `now`.
    public mutating func enqueued(now: UInt64) throws(BatchQueueError) {
        guard pending < capacity else { throw .full(capacity: capacity) }
        enqueueTimes[(head + pending) % capacity] = now
        pending += 1
    }

    /// Records that the oldest `count` items were taken.
    public mutating func took(_ count: Int) {
        precondition(count >= 0 && count <= pending, "took \(count) of \(pending) pending items")
        head = (head + count) % capacity
        pending -= count
    }

    public func decide(now: UInt64) -> Decision {
        if pending == 0 { return .waitForWork }
        if pending >= policy.maxBatch { return .flush(policy.maxBatch) }
        if pending >= liveStreams { return .flush(pending) }
        let deadline = enqueueTimes[head] &+ policy.maxDelayNanoseconds
        return now >= deadline ? .flush(pending) : .waitUntil(deadline)
    }
}

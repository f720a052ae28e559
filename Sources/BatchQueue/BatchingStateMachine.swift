/// The batching decision as a pure value: no threads, no clock of its own. Every event
/// takes `now` (monotonic nanoseconds) and `decide` says what the consumer should do.
///
/// Items are messages; each carries some rows (an ActBatch message of 64 lanes is 64
/// rows, an Act message one) and the policy counts rows. A message is never split: its
/// lanes go through inference together, so a stream never waits for a part of itself.
/// A batch goes when it holds `maxBatch` rows (at least one message, even a larger one),
/// when every live row has an item pending (waiting longer cannot bring company: SEED's
/// batcher stalls here), or when its oldest item has waited `maxDelay`.
public struct BatchingStateMachine: Sendable {
    public enum Decision: Equatable, Sendable {
        /// Take this many items (messages) now.
        case flush(Int)
        /// Nothing to take before this instant, unless something else happens.
        case waitUntil(UInt64)
        /// Nothing pending: wait for an item.
        case waitForWork
    }

    public let policy: BatchingPolicy
    /// Rows of the streams that may still send an item (each stream has at most one pending).
    public private(set) var liveRows = 0
    /// Enqueue times and row counts of pending items, oldest first (rings, sized once).
    private var enqueueTimes: [UInt64]
    private var itemRows: [Int]
    private var head = 0
    public private(set) var pending = 0
    public private(set) var pendingRows = 0

    public init(policy: BatchingPolicy, capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.policy = policy
        enqueueTimes = Array(repeating: 0, count: capacity)
        itemRows = Array(repeating: 0, count: capacity)
    }

    public var capacity: Int { enqueueTimes.count }

    /// A stream with `rows` lanes may send items (an ActBatch stream adds its other lanes
    /// once its first message fixes their number).
    public mutating func streamOpened(rows: Int = 1) { liveRows += rows }

    public mutating func streamClosed(rows: Int = 1) {
        precondition(liveRows >= rows, "more rows closed than opened")
        liveRows -= rows
    }

    /// Records an item of `rows` rows arriving at `now`.
    public mutating func enqueued(rows: Int = 1, now: UInt64) throws(BatchQueueError) {
        guard pending < capacity else { throw .full(capacity: capacity) }
        let slot = (head + pending) % capacity
        enqueueTimes[slot] = now
        itemRows[slot] = rows
        pending += 1
        pendingRows += rows
    }

    /// Records that the oldest `count` items were taken.
    public mutating func took(_ count: Int) {
        precondition(count >= 0 && count <= pending, "took \(count) of \(pending) pending items")
        for offset in 0..<count { pendingRows -= itemRows[(head + offset) % capacity] }
        head = (head + count) % capacity
        pending -= count
    }

    /// Rows of the oldest `count` pending items.
    public func rows(ofFirst count: Int) -> Int {
        (0..<count).reduce(0) { $0 + itemRows[(head + $1) % capacity] }
    }

    public func decide(now: UInt64) -> Decision {
        if pending == 0 { return .waitForWork }
        if pendingRows >= policy.maxBatch || pendingRows >= liveRows { return .flush(itemsFitting()) }
        let deadline = enqueueTimes[head] &+ policy.maxDelayNanoseconds
        return now >= deadline ? .flush(itemsFitting()) : .waitUntil(deadline)
    }

    /// The oldest items whose rows fit in `maxBatch`: at least one.
    private func itemsFitting() -> Int {
        var count = 0, rows = 0
        while count < pending {
            let next = itemRows[(head + count) % capacity]
            if count > 0 && rows + next > policy.maxBatch { break }
            rows += next
            count += 1
        }
        return count
    }
}

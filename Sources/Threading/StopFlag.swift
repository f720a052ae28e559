/// A flag set once from any thread and waited on (with a timeout) by others: the stop
/// signal of periodic loops.
public final class StopFlag: @unchecked Sendable {
    // `stopped` is only touched under `lock`.
    private let lock = ConditionLock()
    private var stopped = false

    public init() {}

    public func set() {
        lock.withLock {
            stopped = true
            lock.broadcast()
        }
    }

    /// Waits up to `seconds`; returns whether the flag is set.
    public func wait(seconds: Double) -> Bool {
        let deadline = MonotonicClock.now() + UInt64(seconds * 1e9)
        return lock.withLock {
            while !stopped {
                if !lock.wait(until: deadline) { break }
            }
            return stopped
        }
    }

    /// Waits until the flag is set.
    public func wait() {
        lock.withLock { while !stopped { lock.wait() } }
    }

    public var isSet: Bool { lock.withLock { stopped } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with one condition variable whose timed waits use the monotonic clock
/// (deadlines from `MonotonicClock`, immune to wall-clock jumps).
///
/// Thread-safe by construction: every method is a pthread call on storage that lives
/// as long as the object. Keep critical sections short and never do I/O inside one.
public final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        precondition(pthread_mutex_init(mutex, nil) == 0)
        var attributes = pthread_condattr_t()
        precondition(pthread_condattr_init(&attributes) == 0)
        #if os(Linux)
        precondition(pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC) == 0)
        #endif
        precondition(pthread_cond_init(condition, &attributes) == 0)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { precondition(pthread_mutex_lock(mutex) == 0) }
    public func unlock() { precondition(pthread_mutex_unlock(mutex) == 0) }

    @inlinable
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Waits for a signal; the lock must be held. Spurious wake-ups happen: re-check.
    public func wait() { precondition(pthread_cond_wait(condition, mutex) == 0) }

    /// Waits for a signal or until `deadline` (monotonic nanoseconds); the lock must be
    /// held. Returns false when the deadline passed.
    @discardableResult
    public func wait(until deadline: UInt64) -> Bool {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        let result = pthread_cond_timedwait(condition, mutex, &time)
        precondition(result == 0 || result == ETIMEDOUT)
        return result == 0
    }

    public func signal() { pthread_cond_signal(condition) }
    public func broadcast() { pthread_cond_broadcast(condition) }
}

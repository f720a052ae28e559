#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a pthread mutex, with `Mutex`'s `withLock` shape. seedrl uses it
/// instead of Synchronization's `Mutex`, whose Linux implementation waits on futexes
/// directly: ThreadSanitizer cannot see that synchronization and reports races that are
/// not there. Keep critical sections short; never do I/O inside one.
public final class Locked<Value>: @unchecked Sendable {
    // `value` is only touched with `mutex` held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        precondition(pthread_mutex_init(mutex, nil) == 0)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inlinable
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body(&value)
    }

    @usableFromInline func lock() { precondition(pthread_mutex_lock(mutex) == 0) }
    @usableFromInline func unlock() { precondition(pthread_mutex_unlock(mutex) == 0) }
}

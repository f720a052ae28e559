import Threading
import Wire

/// Ends streams whose client has kept the server waiting for its next Step longer than
/// the idle limit: DEADLINE_EXCEEDED, and the stream's state is freed by its close event.
/// A thread that wakes a few times per limit; no work on the per-step path beyond one
/// relaxed atomic store.
final class IdleReaper: @unchecked Sendable {
    // `stopping` is guarded by `lock`; the rest is immutable.
    private let lock = ConditionLock()
    private var stopping = false
    private var thread: OSThread?

    init(idleNanoseconds: UInt64, streams: @escaping @Sendable () -> [ActStream]) {
        let period = max(idleNanoseconds / 4, 10_000_000)
        let seconds = Double(idleNanoseconds) / 1e9
        thread = OSThread(name: "seedrl-idle") { [self] in
            while !waitForStop(nanoseconds: period) {
                let now = MonotonicClock.now()
                for stream in streams() {
                    let since = stream.awaitingClientSince.load(ordering: .relaxed)
                    if since != 0 && since < now && now - since > idleNanoseconds {
                        stream.stream.finish(.deadlineExceeded,
                                             "no Step for more than \(seconds) s; the stream was idle (--stream-idle-secs)")
                    }
                }
            }
        }
    }

    private func waitForStop(nanoseconds: UInt64) -> Bool {
        let deadline = MonotonicClock.now() + nanoseconds
        return lock.withLock {
            while !stopping && lock.wait(until: deadline) {}
            return stopping
        }
    }

    func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        thread?.join()
    }
}

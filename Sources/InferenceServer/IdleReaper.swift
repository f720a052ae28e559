import Threading
import Wire

/// Ends streams whose client has kept the server waiting for its next Step longer than
/// the idle limit: DEADLINE_EXCEEDED, and the stream's state is freed by its close event.
/// A thread that wakes a few times per limit; no work on the per-step path beyond one
/// relaxed atomic store.
final class IdleReaper: @unchecked Sendable {
    // Immutable after init.
    private let stopping = StopFlag()
    private var thread: OSThread?

    init(idleNanoseconds: UInt64, streams: @escaping @Sendable () -> [ActStream]) {
        let period = Double(max(idleNanoseconds / 4, 10_000_000)) / 1e9
        let seconds = Double(idleNanoseconds) / 1e9
        thread = OSThread(name: "seedrl-idle") { [self] in
            while !stopping.wait(seconds: period) {
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

    func stop() {
        stopping.set()
        thread?.join()
    }
}

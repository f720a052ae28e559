import Threading
import Wire

/// Ends streams whose client has kept the server waiting for its next Step longer than
/// the idle limit: DEADLINE_EXCEEDED, and the stream's state is freed by its close event.
/// A client that never reads keeps even that status from going out (it waits behind an
/// unread Action in a closed flow-control window), so a stream still open
/// `cancelGraceNanoseconds` after its status is cancelled outright (RST_STREAM).
/// A thread that wakes a few times per limit; no work on the per-step path beyond one
/// relaxed atomic store.
final class IdleReaper: @unchecked Sendable {
    // Immutable after init.
    private let stopping = StopFlag()
    private var thread: OSThread?

    init(idleNanoseconds: UInt64, cancelGraceNanoseconds: UInt64, streams: @escaping @Sendable () -> [ActStream]) {
        let period = Double(max(min(idleNanoseconds, cancelGraceNanoseconds) / 4, 10_000_000)) / 1e9
        let seconds = Double(idleNanoseconds) / 1e9
        thread = OSThread(name: "seedrl-idle") { [self] in
            while !stopping.wait(seconds: period) {
                let now = MonotonicClock.now()
                for stream in streams() {
                    let ended = stream.endedIdleAt.load(ordering: .relaxed)
                    if ended != 0 {
                        if now - ended > cancelGraceNanoseconds {
                            stream.stream.cancel(.deadlineExceeded, "idle stream cancelled: its client did not read the status")
                        }
                        continue
                    }
                    let since = stream.awaitingClientSince.load(ordering: .relaxed)
                    if since != 0 && since < now && now - since > idleNanoseconds {
                        stream.endedIdleAt.store(now, ordering: .relaxed)
                        stream.stream.finish(.deadlineExceeded,
                                             "no Step for more than \(seconds) s; the stream was idle (--stream-idle-seconds)")
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

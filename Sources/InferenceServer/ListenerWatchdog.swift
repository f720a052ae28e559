import Threading
import Wire

/// Watches the gRPC core's log for a failed accept (its listener has then stopped for
/// good) and asks for a restart, at most once per failure and once a second.
final class ListenerWatchdog: @unchecked Sendable {
    // Immutable after init.
    private let stopping = StopFlag()
    private var thread: OSThread?

    init(restart: @escaping @Sendable (_ reason: String) -> Void) {
        let start = CoreLog.acceptFailures
        thread = OSThread(name: "seedrl-listener") { [self] in
            var seen = start
            while !stopping.wait(seconds: 0.25) {
                let failures = CoreLog.acceptFailures
                guard failures != seen else { continue }
                seen = failures
                restart(CoreLog.lastAcceptFailure)
                // Let the new listener settle; a flood still going on shows up as a new failure.
                if stopping.wait(seconds: 1) { return }
                seen = CoreLog.acceptFailures
            }
        }
    }

    func stop() {
        stopping.set()
        thread?.join()
    }
}

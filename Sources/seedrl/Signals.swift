#if canImport(Glibc)
import Glibc
#endif
import Threading

/// SIGINT and SIGTERM delivered to one waiting thread instead of a handler: blocked in
/// every thread (call `install` before starting any), then taken with `sigwait`.
enum Signals {
    /// Blocks SIGINT/SIGTERM for this thread and every thread it starts later.
    static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `handler` (on a dedicated thread) when SIGINT or SIGTERM arrives.
    @discardableResult
    static func onTermination(_ handler: @escaping @Sendable (Int32) -> Void) -> OSThread {
        OSThread(name: "seedrl-signals") {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            var signal: Int32 = 0
            sigwait(&set, &signal)
            handler(signal)
        }
    }
}

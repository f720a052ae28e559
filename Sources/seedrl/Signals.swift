#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Threading

/// SIGINT, SIGTERM and SIGHUP turned into a call on an ordinary thread (the self-pipe trick):
/// the handler only writes a byte to a pipe; a dedicated thread reads it and runs the
/// shutdown. Blocking the signals instead would not do: OpenBLAS starts its threads
/// before `main`, and the kernel may deliver a process signal to any of them.
enum Signals {
    /// Calls `handler` (on a dedicated thread) when SIGINT, SIGTERM or SIGHUP first arrives.
    /// SIGHUP (the ssh session or terminal went away) is a clean stop, with the final
    /// checkpoint, like the other two.
    @discardableResult
    static func onTermination(_ handler: @escaping @Sendable (Int32) -> Void) -> OSThread {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        signalPipeWriteEnd.store(fds[1], ordering: .sequentiallyConsistent)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &byte, 1)  // async-signal-safe
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGHUP, &action, nil)
        let readEnd = fds[0]
        return OSThread(name: "seedrl-signals", detached: true) {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
            handler(Int32(byte))
        }
    }
}

/// The pipe the signal handler writes to (a C handler cannot capture).
private let signalPipeWriteEnd = Atomic<Int32>(-1)

extension Signals {
    /// Calls `handler` (on a dedicated thread) every time SIGUSR1 arrives: mpirun forwards
    /// it to every rank without killing anything, so it asks a job for a checkpoint.
    @discardableResult
    static func onCheckpointRequest(_ handler: @escaping @Sendable () -> Void) -> OSThread {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        checkpointPipeWriteEnd.store(fds[1], ordering: .sequentiallyConsistent)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(checkpointPipeWriteEnd.load(ordering: .relaxed), &byte, 1)  // async-signal-safe
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGUSR1, &action, nil)
        let readEnd = fds[0]
        return OSThread(name: "seedrl-sigusr1", detached: true) {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                handler()
            }
        }
    }
}

private let checkpointPipeWriteEnd = Atomic<Int32>(-1)

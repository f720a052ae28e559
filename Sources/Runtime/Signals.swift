#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Threading

/// Signals turned into calls on an ordinary thread (the self-pipe trick): the handler only
/// writes the signal's number to a pipe; one dedicated thread reads it and calls the
/// handler. Blocking the signals instead would not do: OpenBLAS starts its threads before
/// `main`, and the kernel may deliver a process signal to any of them.
///
/// SIGINT, SIGTERM and SIGHUP (the ssh session or terminal went away) are a clean stop,
/// with the final checkpoint. A second one while that stop is under way escalates: the
/// process exits at once (128 + the signal) without waiting for the stop to finish; every
/// checkpoint file is written atomically, so the last complete one stands. SIGUSR1 asks
/// for a checkpoint, every time (mpirun forwards it to every rank without killing
/// anything); where there is nothing to checkpoint it is ignored rather than fatal.
public enum Signals {
    /// Installs the handlers, once per process.
    public static func install(onTermination: @escaping @Sendable (Int32) -> Void,
                               onCheckpointRequest: (@Sendable () -> Void)? = nil) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        // Not inherited by the actor processes `seedrl train` spawns.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        pipeWriteEnd.store(fds[1], ordering: .sequentiallyConsistent)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(pipeWriteEnd.load(ordering: .relaxed), &byte, 1)  // async-signal-safe
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGUSR1] { sigaction(signal, &action, nil) }
        let readEnd = fds[0]
        _ = OSThread(name: "seedrl-signals", detached: true) {
            var terminated = false
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                let signal = Int32(byte)
                if signal == SIGUSR1 {
                    onCheckpointRequest?()
                } else if !terminated {
                    terminated = true
                    onTermination(signal)  // only asks for the stop: it runs elsewhere
                } else {
                    let message = Array("seedrl: second signal \(signal) during the stop: exiting now; the last checkpoint written stands\n".utf8)
                    _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                    _exit(128 + signal)
                }
            }
        }
    }

    /// Installs only the clean-stop handler (commands that checkpoint nothing).
    public static func onTermination(_ handler: @escaping @Sendable (Int32) -> Void) {
        install(onTermination: handler)
    }
}

/// The pipe the signal handler writes to (a C handler cannot capture).
private let pipeWriteEnd = Atomic<Int32>(-1)

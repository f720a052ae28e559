#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable operating-system thread running one closure. seedrl's long-lived loops
/// (completion-queue pollers, the inference loop, the learner) each own one, so their
/// blocking waits never tie up Swift's cooperative pool.
public final class OSThread: @unchecked Sendable {
    // Written once in init, read in join(): safe to share.
    private var handle: pthread_t

    private final class Payload {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (truncated to 15 bytes, as Linux allows).
    /// A `detached` thread cannot be joined; it ends with the process (signal waiters).
    public init(name: String, detached: Bool = false, _ body: @escaping @Sendable () -> Void) {
        let payload = Unmanaged.passRetained(Payload(name: name, body: body)).toOpaque()
        #if os(Linux)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let result = pthread_create(&thread, nil, { raw in
            #if os(Linux)
            let payload = Unmanaged<Payload>.fromOpaque(raw!).takeRetainedValue()
            nameCurrentThread(payload.name)
            #else
            let payload = Unmanaged<Payload>.fromOpaque(raw!).takeRetainedValue()
            #endif
            payload.body()
            return nil
        }, payload)
        precondition(result == 0, "pthread_create failed: \(result)")
        if detached { pthread_detach(thread) }
        #if os(Linux)
        handle = thread
        #else
        handle = thread!
        #endif
    }

    /// Waits for the thread to finish. Call at most once.
    public func join() {
        pthread_join(handle, nil)
    }
}

#if os(Linux)
/// Names the calling thread (shown by top -H, perf, gdb). pthread_setname_np is hidden
/// behind _GNU_SOURCE in Glibc's module, so write the kernel's file directly.
private func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}
#endif

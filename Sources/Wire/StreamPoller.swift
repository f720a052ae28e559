/// A completion queue with its poller thread for client streams: every event of the
/// streams created on it is delivered on that one thread, in order per stream.
public final class StreamPoller: @unchecked Sendable {
    // Immutable after init; CompletionQueue is itself thread-safe.
    let queue: CompletionQueue

    public init(name: String = "seedrl-client") {
        GRPCLibrary.retain()
        queue = CompletionQueue(name: name)
        queue.start()
    }

    /// Waits for every stream on this poller to have finished, then stops the thread.
    /// Cancel or finish the streams first.
    public func shutdown() {
        queue.shutdownAndJoin()
    }

    deinit { GRPCLibrary.release() }
}

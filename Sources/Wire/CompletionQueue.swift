internal import CGRPC
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Threading

/// Something a completion-queue event is delivered to. An object's address, retained
/// once per outstanding batch, is the tag; the low 4 bits (Swift objects are 16-byte
/// aligned) carry which of its operations completed. A base class rather than a
/// protocol so delivery is a plain virtual call, with no dynamic cast per event.
/// Public only because `ServerStream` is; nothing outside Wire can use it.
public class CompletionTarget {
    /// A release when a batch starts, an acquire when its event is delivered: the gRPC
    /// core already orders the two, but it is not instrumented, so this makes the
    /// hand-over visible to ThreadSanitizer (and costs two uncontended atomics a batch).
    fileprivate let handoff = Atomic<UInt64>(0)

    init() {}

    func complete(operation: UInt8, success: Bool) {
        preconditionFailure("\(type(of: self)) must override complete(operation:success:)")
    }
}

enum Tag {
    static func make(_ target: CompletionTarget, _ operation: UInt8) -> UnsafeMutableRawPointer {
        precondition(operation < 16)
        target.handoff.add(1, ordering: .releasing)
        let raw = Unmanaged.passRetained(target).toOpaque()
        return raw + Int(operation)
    }

    /// Takes back the retain of a tag whose batch was refused (no event will come).
    static func drop(_ tag: UnsafeMutableRawPointer) {
        let bits = UInt(bitPattern: tag)
        let base = UnsafeMutableRawPointer(bitPattern: bits & ~UInt(15))!
        Unmanaged<CompletionTarget>.fromOpaque(base).release()
    }

    static func deliver(_ tag: UnsafeMutableRawPointer, success: Bool) {
        let bits = UInt(bitPattern: tag)
        let base = UnsafeMutableRawPointer(bitPattern: bits & ~UInt(15))!
        let target = Unmanaged<CompletionTarget>.fromOpaque(base).takeRetainedValue()
        _ = target.handoff.load(ordering: .acquiring)
        target.complete(operation: UInt8(bits & 15), success: success)
    }
}

/// A `grpc_completion_queue` of the "next" kind with one dedicated poller thread that
/// hands each event to its tag's object. The poller only moves bytes and hands work on.
final class CompletionQueue: @unchecked Sendable {
    // The C queue is thread-safe; `thread` is written once in start().
    let pointer: OpaquePointer
    private var thread: OSThread?
    private let name: String
    /// Where a message that arrived in several slices is made contiguous, and where it
    /// is decoded into: one of each per queue, because its events are handled one at a
    /// time on its poller thread, reused message after message (so they stay in cache,
    /// and an idle stream holds neither). Touched only by the poller.
    let receiveScratch: UnsafeMutableRawBufferPointer
    let receiveArena: MessageArena

    /// - Parameters:
    ///   - receiveMessageBytes: the largest message its calls decode (0: none).
    ///   - fieldOccurrences: the most field occurrences a valid message holds (a StepBatch's
    ///     repeated fields may come unpacked, one tag per lane and field).
    init(name: String, receiveMessageBytes: Int = 0, fieldOccurrences: Int = 16) {
        self.name = name
        pointer = grpc_completion_queue_create_for_next(nil)
        receiveScratch = .allocate(byteCount: receiveMessageBytes, alignment: 64)
        // The decoded struct plus a copy of its bytes fields; a little room for unknown fields.
        // A StepBatch decodes into more than its wire size: each lane's step type becomes 4
        // bytes (1 on the wire); twice the message is ample for any valid one.
        // protobuf-c also allocates, while it unpacks, a 32-byte record per field occurrence
        // in slabs that double in size: at most 4 × 32 bytes per occurrence in all.
        receiveArena = MessageArena(capacity: receiveMessageBytes == 0 ? 0 : 2 * receiveMessageBytes + 4096 + 128 * fieldOccurrences)
    }

    /// Starts the poller thread. Events before this call wait in the queue.
    func start() {
        thread = OSThread(name: name) { [self] in
            let queue = pointer
            while true {
                let event = grpc_completion_queue_next(queue, seedrl_inf_future(), nil)
                switch event.type {
                case GRPC_OP_COMPLETE:
                    Tag.deliver(event.tag, success: event.success != 0)
                case GRPC_QUEUE_SHUTDOWN:
                    return
                default:
                    continue  // GRPC_QUEUE_TIMEOUT cannot happen with an infinite deadline
                }
            }
        }
    }

    /// Batches being started on calls of this queue right now, times 2, plus 1 once the
    /// queue is closing. A batch started after `grpc_completion_queue_shutdown` aborts the
    /// process in the core (`grpc_cq_begin_op`), and a reply may be started by the
    /// inference thread at any moment, so shutdown closes this gate and waits for the
    /// starts already past it before shutting the C queue down.
    private let starts = Atomic<Int>(0)

    /// Runs `start` (which starts a batch on a call of this queue, or requests a call on
    /// it) unless the queue is closing; false if it is, or if `start` says it failed.
    /// Two uncontended atomics per batch.
    @inline(__always)
    func whileOpen(_ start: () -> Bool) -> Bool {
        let entered = starts.add(2, ordering: .sequentiallyConsistent).newValue
        defer { starts.subtract(2, ordering: .releasing) }
        guard entered & 1 == 0 else { return false }
        return start()
    }

    /// Shuts the queue down and waits until the poller has delivered every pending
    /// event (each comes back, failed, so tags are released) and exited. Idempotent.
    func shutdownAndJoin() {
        // The closing bit doubles as "already shut down": only the first caller goes on.
        guard starts.bitwiseOr(1, ordering: .sequentiallyConsistent).oldValue & 1 == 0 else { return }
        while starts.load(ordering: .acquiring) > 1 { sched_yield() }
        grpc_completion_queue_shutdown(pointer)
        thread?.join()
        thread = nil
    }

    deinit {
        grpc_completion_queue_destroy(pointer)
        receiveScratch.deallocate()
    }
}

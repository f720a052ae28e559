internal import CSystem
import Logging
import Synchronization
import Threading

/// Gives freed heap memory back to the kernel once enough of it piles up.
///
/// `seedrl_tune_malloc` raises glibc's trim threshold so that the per-step cycle of 28 KB
/// messages does not page-fault its memory back on every step; the price is that memory
/// freed after a burst (20,000 rapidly reset streams, a connection flood, a thousand
/// streams that left) stays resident for good: 95 MiB measured after 20,000 resets, all of
/// it free chunks that `malloc_trim` returns. This service looks every `periodSeconds`
/// and trims only when more than `thresholdBytes` of freed heap are still resident, so
/// the steady state (far below that) is never trimmed and never faults pages back in.
public final class HeapTrimmer: Service, @unchecked Sendable {
    // Immutable after init except `thread` (start/shutdown, one caller).
    public let name = "heap-trimmer"
    private let periodSeconds: Double
    private let thresholdBytes: Int
    private let logger: Logger
    private let stopping = StopFlag()
    private var thread: OSThread?
    private let trimCount = Atomic<UInt64>(0)
    /// What was resident beyond the heap's in-use bytes right after the last trim.
    private let baselineOutsideHeap = Atomic<Int>(0)

    /// 32 MiB: several times the free chunks seen in steady serving (1,024 streams of
    /// 28 KB frames), far below what a burst leaves behind.
    public static let defaultThresholdBytes = 32 << 20

    public init(periodSeconds: Double = 1, thresholdBytes: Int = HeapTrimmer.defaultThresholdBytes,
                logger: Logger = Logger(label: "seedrl.memory")) {
        self.periodSeconds = periodSeconds
        self.thresholdBytes = thresholdBytes
        self.logger = logger
    }

    /// Times memory was given back so far.
    public var trims: UInt64 { trimCount.load(ordering: .relaxed) }

    /// Resident bytes that are neither handed out by the allocator nor part of the
    /// baseline (code, libraries, stacks: what is resident beyond the heap right after a
    /// trim): free heap pages still resident.
    public var residentFreeBytes: Int {
        Int(ProcessUsage.residentBytes) - Int(seedrl_heap_in_use_bytes()) - baselineOutsideHeap.load(ordering: .relaxed)
    }

    /// Trims now if more than `thresholdBytes` of freed heap are still resident; returns
    /// whether it trimmed. (The free-chunk count alone would not do: chunks stay counted
    /// as free after a trim, their pages released, and would be trimmed again every period.)
    @discardableResult
    public func trimIfWorthIt() -> Bool {
        let before = residentFreeBytes
        guard before > thresholdBytes else { return false }
        trimAndRemeasure()
        trimCount.add(1, ordering: .relaxed)
        logger.debug("gave freed heap memory back", metadata: ["resident_free_mib_before": "\(before >> 20)",
                                                              "resident_free_mib_after": "\(residentFreeBytes >> 20)"])
        return true
    }

    /// Trims and takes what is resident beyond the heap as the new baseline.
    private func trimAndRemeasure() {
        _ = seedrl_heap_trim()
        baselineOutsideHeap.store(Int(ProcessUsage.residentBytes) - Int(seedrl_heap_in_use_bytes()), ordering: .relaxed)
    }

    public func start() throws {
        trimAndRemeasure()
        thread = OSThread(name: "seedrl-heap") { [self] in
            while !stopping.wait(seconds: periodSeconds) { trimIfWorthIt() }
        }
    }

    public func shutdown() throws {
        stopping.set()
        thread?.join()
        thread = nil
    }
}

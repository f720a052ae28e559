#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import XCTest

final class HeapTrimmerTests: XCTestCase {
    /// 64 MiB freed below a live block (so free() cannot shrink the heap itself) is resident
    /// free memory above the 32 MiB threshold: one trim gives it back, and the next look
    /// finds nothing to do (the same memory is not trimmed every period).
    func testFreedMemoryIsGivenBackOnce() throws {
        // ASan and TSan bring their own allocators (freed memory is quarantined, mallinfo2
        // and malloc_trim speak for glibc's): what is measured here is glibc's behaviour.
        if dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
            || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil {
            throw XCTSkip("a sanitizer's allocator replaces glibc's")
        }
        let trimmer = HeapTrimmer(periodSeconds: 3600, thresholdBytes: 32 << 20)
        try trimmer.start()
        defer { try? trimmer.shutdown() }
        XCTAssertFalse(trimmer.trimIfWorthIt(), "nothing freed yet")
        let blockBytes = 4096, count = (64 << 20) / 4096
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            let block = malloc(blockBytes)!
            memset(block, 1, blockBytes)  // resident
            blocks.append(block)
        }
        let sentinel = malloc(blockBytes)!
        defer { free(sentinel) }
        blocks.forEach { free($0) }
        XCTAssertGreaterThan(trimmer.residentFreeBytes, 32 << 20, "the freed blocks are still resident")
        XCTAssertTrue(trimmer.trimIfWorthIt())
        XCTAssertLessThan(trimmer.residentFreeBytes, 8 << 20, "given back (8 MiB: margin for other threads' allocations)")
        XCTAssertFalse(trimmer.trimIfWorthIt(), "already given back")
        XCTAssertEqual(trimmer.trims, 1)
    }
}

import Contract
#if canImport(Glibc)
import Glibc
#endif
import LinearAlgebra
@testable import Model
import Randomness
import XCTest

/// The two-thread backend computes what the one-thread backend does: each half of C is a
/// single-threaded sgemm on the same operands (OpenBLAS may pick other kernels for the
/// smaller halves, so the sums can differ in the last bits).
final class SplitCPUBackendTests: XCTestCase {
    func testSplitGemmEqualsSerialGemmForEveryTransposeAndShape() {
        let split = SplitCPUBackend(threshold: 1), serial = CPUBackend()
        var generator = SeededGenerator(seed: 3)
        // Tall (split by rows), wide (split by columns), odd sizes, and a row of one.
        for (m, n, k) in [(37, 5, 11), (4, 29, 7), (1, 9, 3), (9, 1, 5), (64, 64, 16)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = (0..<(m * k)).map { _ in generator.nextUnitFloat() - 0.5 }
                    let b = (0..<(k * n)).map { _ in generator.nextUnitFloat() - 0.5 }
                    let start = (0..<(m * n)).map { _ in generator.nextUnitFloat() }
                    var expected = start, actual = start
                    let lda = transposeA ? m : k, ldb = transposeB ? k : n
                    serial.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda,
                                b: b, ldb: ldb, beta: 0.5, c: &expected, ldc: n)
                    split.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda,
                               b: b, ldb: ldb, beta: 0.5, c: &actual, ldc: n)
                    let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThanOrEqual(difference, 1e-6, "m \(m) n \(n) k \(k) transposeA \(transposeA) transposeB \(transposeB)")
                }
            }
        }
    }

    func testATorsosTrainingPassesAreTheSameOnTwoThreads() {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: [10, 10, 4], dtype: .uint8), torso: .minatar,
                                             hiddenSizes: [], numActions: 3)
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 2)
        var generator = SeededGenerator(seed: 5)
        let rows = 6
        let input = (0..<(rows * architecture.inputSize)).map { _ in generator.nextUnitFloat() }
        let headGradient = (0..<(rows * architecture.headSize)).map { _ in generator.nextGaussian() }
        func gradient(_ backend: any ComputeBackend) -> [Float] {
            let forward = ForwardWorkspace(architecture: architecture, maxBatch: rows, backend: backend)
            let backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
            ModelForward.run(parameters: parameters, input: input, count: rows, workspace: forward)
            for index in headGradient.indices { backward.headGradient[index] = headGradient[index] }
            var gradient = [Float](repeating: 0, count: parameters.count)
            ModelBackward.run(parameters: parameters, input: input, rows: rows, forward: forward, workspace: backward, gradient: &gradient)
            return gradient
        }
        let split = gradient(SplitCPUBackend(threshold: 1)), serial = gradient(CPUBackend())
        let scale = serial.map(abs).max() ?? 1
        let difference = zip(split, serial).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(difference, 1e-5 * scale, "largest gradient \(scale)")
    }

    /// Elementwise parts: every index once, the second part on the worker thread, and a
    /// range below the threshold whole on the caller.
    func testForEachPartCoversTheRangeOnceAndUsesTheWorker() {
        let split = SplitCPUBackend(elementwiseThreshold: 8)
        XCTAssertEqual(split.parts, 2)
        let caller = pthread_self()
        for count in [8, 11, 1_001] {
            let visits = UnsafeMutablePointer<Int>.allocate(capacity: count)
            visits.initialize(repeating: 0, count: count)
            let onWorker = UnsafeMutablePointer<Bool>.allocate(capacity: 2)
            onWorker.initialize(repeating: false, count: 2)
            split.forEachPart(of: count) { part, index in
                for i in part { visits[i] += 1 }
                onWorker[index] = pthread_equal(pthread_self(), caller) == 0
            }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: visits, count: count)), Array(repeating: 1, count: count), "count \(count)")
            XCTAssertEqual([onWorker[0], onWorker[1]], [false, true], "count \(count)")
            visits.deallocate()
            onWorker.deallocate()
        }
        var parts: [Range<Int>] = []
        split.forEachPart(of: 7) { part, index in
            XCTAssertEqual(index, 0)
            parts.append(part)
        }
        XCTAssertEqual(parts, [0..<7])
    }
}

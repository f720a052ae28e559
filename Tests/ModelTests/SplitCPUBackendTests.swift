import Contract
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
}

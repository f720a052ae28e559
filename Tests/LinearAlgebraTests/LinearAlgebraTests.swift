import LinearAlgebra
import XCTest

/// OpenBLAS's sgemm, row-major, against the definition, in every transpose combination
/// and with leading dimensions wider than the matrices (how the LSTM reads its rows).
final class LinearAlgebraTests: XCTestCase {
    func testGemmMatchesTheNaiveProduct() {
        BLAS.useSingleThread()
        var seed: UInt32 = 1
        func next() -> Float { seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let (m, n, k) = (5, 7, 3)
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let lda = (transposeA ? m : k) + 2, ldb = (transposeB ? k : n) + 1, ldc = n + 3
                let a = (0..<((transposeA ? k : m) * lda)).map { _ in next() }
                let b = (0..<((transposeB ? n : k) * ldb)).map { _ in next() }
                var c = (0..<(m * ldc)).map { _ in next() }
                let before = c
                BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 2, a: a, lda: lda,
                          b: b, ldb: ldb, beta: 0.5, c: &c, ldc: ldc)
                for i in 0..<m {
                    for j in 0..<n {
                        var sum: Float = 0
                        for p in 0..<k {
                            let left = transposeA ? a[p * lda + i] : a[i * lda + p]
                            let right = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                            sum += left * right
                        }
                        XCTAssertEqual(c[i * ldc + j], 2 * sum + 0.5 * before[i * ldc + j], accuracy: 1e-5,
                                       "transposeA \(transposeA) transposeB \(transposeB) [\(i), \(j)]")
                    }
                    for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], before[i * ldc + j], "padding untouched") }
                }
            }
        }
    }
}

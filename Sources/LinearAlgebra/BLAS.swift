internal import COpenBLAS

/// The few OpenBLAS entry points the model uses, row-major, single precision.
public enum BLAS {
    /// OpenBLAS would start a thread per core; seedrl's own compute threads (inference,
    /// learner) each run BLAS single-threaded so they do not fight over the cores.
    public static func useSingleThread() {
        openblas_set_num_threads(1)
    }

    /// OpenBLAS's build, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64".
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Threads OpenBLAS would use for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major.
    @inline(__always)
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// The arithmetic the model's passes are made of: matrix products, the convolution of the
/// conv torsos, and the elementwise activations. `ModelForward`, `ModelBackward`, the LSTM
/// core and the conv torso call only these for their heavy work, through the backend their
/// workspace was made with; `CPUBackend` (OpenBLAS and vectorised loops) is the one there
/// is. A GPU backend implements the same calls where the pointers are device memory (the
/// workspaces would then allocate there too); nothing above the workspaces changes.
public protocol ComputeBackend: Sendable {
    /// "cpu-openblas", as run cards and benchmarks name it.
    var name: String { get }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major.
    func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)

    /// tanh in place.
    func tanh(_ values: UnsafeMutablePointer<Float>, count: Int)

    /// gradient ⊙= 1 − activation² (tanh's derivative read off its output), in place.
    func tanhBackward(_ gradient: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>, count: Int)

    /// output = conv(input) + bias over `rows` images, then ReLU if asked.
    func convolve(_ conv: Conv2D, relu: Bool, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                  output: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch)

    /// From ∂(pre-activation output): ∂weights and ∂bias added to `gradient` (zeroed by the
    /// caller for this layer) and, if wanted, ∂input (overwritten).
    func convolveBackward(_ conv: Conv2D, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                          outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                          gradient: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch)

    /// The most parts `forEachPart` cuts a range into: the threads this backend computes on.
    var parts: Int { get }

    /// Runs `body` on disjoint parts of 0..<`count` that cover it, each part with its index
    /// (below `parts`; 0 runs on the calling thread), and returns once every part is done.
    /// For the learner's long elementwise passes over the parameters (the gradient's norm,
    /// the optimizer), which would otherwise leave the backend's other threads idle.
    func forEachPart(of count: Int, _ body: @escaping (_ part: Range<Int>, _ index: Int) -> Void)
}

extension ComputeBackend {
    /// One thread: the whole range, on the caller.
    public var parts: Int { 1 }

    public func forEachPart(of count: Int, _ body: @escaping (_ part: Range<Int>, _ index: Int) -> Void) {
        body(0..<count, 0)
    }

    /// `gemm` with BLAS's usual defaults (no transposes, alpha 1, beta 0).
    @inline(__always)
    func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
             beta: beta, c: c, ldc: ldc)
    }
}

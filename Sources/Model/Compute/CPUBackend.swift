import LinearAlgebra

/// The model's arithmetic on the CPU: OpenBLAS's sgemm (single-threaded per calling
/// thread), convolutions as im2col + sgemm, tanh as a vectorising rational function.
public struct CPUBackend: ComputeBackend {
    public init() {}

    public var name: String { "cpu-openblas" }

    @inline(__always)
    public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    public func tanh(_ values: UnsafeMutablePointer<Float>, count: Int) {
        FastTanh.apply(values, count: count)
    }

    public func tanhBackward(_ gradient: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>, count: Int) {
        for element in 0..<count {
            let h = activation[element]
            gradient[element] *= 1 - h * h
        }
    }

    public func convolve(_ conv: Conv2D, relu: Bool, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch) {
        ConvKernels.convForward(conv, relu: relu, parameters: parameters, input: input, output: output, rows: rows,
                                scratch: scratch, backend: self)
    }

    public func convolveBackward(_ conv: Conv2D, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                 outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                                 gradient: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch) {
        ConvKernels.convBackward(conv, parameters: parameters, input: input, outputGradient: outputGradient,
                                 inputGradient: inputGradient, gradient: gradient, rows: rows, scratch: scratch, backend: self)
    }
}

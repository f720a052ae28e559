import LinearAlgebra
import Threading

/// The CPU backend on two cores: each large GEMM is cut in two halves along its larger
/// output dimension (rows of C, or columns), one computed by the calling thread and one by
/// a worker thread this backend owns, both with single-threaded OpenBLAS; convolutions
/// are split by images instead (im2col included). The learner
/// uses it when training is the bottleneck (pixels, PPO's epochs) and a core is idle;
/// inference keeps `CPUBackend` on its own thread. Pooling, activations and the
/// dense layers' element-wise work stay on the calling thread. The halves write disjoint parts of C; each is
/// the single-threaded product of its part (OpenBLAS may choose other kernels for the
/// smaller shapes, so sums can differ from the whole product's in the last bits).
/// The learner's passes over the whole parameter vector (the gradient's norm, Adam) are
/// split the same way through `forEachPart`.
///
/// Not for concurrent callers: one thread (the learner's) drives it.
public final class SplitCPUBackend: ComputeBackend, @unchecked Sendable {
    private let worker = GemmWorker()
    private let serial = CPUBackend()
    /// The worker's scratches (one per caller scratch) and its half's layer gradient; only
    /// the driving thread touches these maps and pointers.
    private var mirrors: [ObjectIdentifier: ConvolutionScratch] = [:]
    private var layerGradient: UnsafeMutablePointer<Float>?
    private var layerGradientCapacity = 0
    /// GEMMs smaller than this (m·n·k multiply-adds) run whole on the caller: below it the
    /// hand-over costs more than the half it saves.
    public let threshold: Int
    /// Elementwise ranges (`forEachPart`) shorter than this run whole on the caller, for the
    /// same reason: a hand-over costs about what a pass over 10⁴ floats does.
    public let elementwiseThreshold: Int

    public init(threshold: Int = 1 << 20, elementwiseThreshold: Int = 1 << 16) {
        self.threshold = threshold
        self.elementwiseThreshold = elementwiseThreshold
    }

    deinit {
        worker.stop()
        layerGradient?.deallocate()
    }

    public var name: String { "cpu-openblas-split2" }

    public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m * n * k >= threshold, max(m, n) >= 2 else {
            return serial.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        // C's rows come from op(A)'s rows; its columns from op(B)'s columns.
        let second: () -> Void
        if m >= n {
            let half = m / 2
            let aSecond = transposeA ? a + half : a + half * lda
            let cSecond = c + half * ldc
            second = {
                BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m - half, n: n, k: k, alpha: alpha,
                          a: aSecond, lda: lda, b: b, ldb: ldb, beta: beta, c: cSecond, ldc: ldc)
            }
            worker.hand(second)
            BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: half, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else {
            let half = n / 2
            let bSecond = transposeB ? b + half * ldb : b + half
            let cSecond = c + half
            second = {
                BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n - half, k: k, alpha: alpha,
                          a: a, lda: lda, b: bSecond, ldb: ldb, beta: beta, c: cSecond, ldc: ldc)
            }
            worker.hand(second)
            BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: half, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        worker.wait()
    }

    public var parts: Int { 2 }

    public func forEachPart(of count: Int, _ body: @escaping (_ part: Range<Int>, _ index: Int) -> Void) {
        guard count >= max(elementwiseThreshold, 2) else { return body(0..<count, 0) }
        let half = count / 2
        worker.hand { body(half..<count, 1) }
        body(0..<half, 0)
        worker.wait()
    }

    public func tanh(_ values: UnsafeMutablePointer<Float>, count: Int) { serial.tanh(values, count: count) }

    public func tanhBackward(_ gradient: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>, count: Int) {
        serial.tanhBackward(gradient, activation: activation, count: count)
    }

    // Convolutions split by images: each thread unfolds and multiplies its half of the rows
    // (the worker with a scratch of its own), so im2col runs on both cores too.

    public func convolve(_ conv: Conv2D, relu: Bool, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch) {
        guard rows >= 2 else {
            return ConvKernels.convForward(conv, relu: relu, parameters: parameters, input: input, output: output, rows: rows,
                                           scratch: scratch, backend: serial)
        }
        let first = rows / 2, mirror = self.mirror(of: scratch), serial = self.serial
        let secondInput = input + first * conv.inputSize, secondOutput = output + first * conv.outputSize
        worker.hand {
            ConvKernels.convForward(conv, relu: relu, parameters: parameters, input: secondInput, output: secondOutput,
                                    rows: rows - first, scratch: mirror, backend: serial)
        }
        ConvKernels.convForward(conv, relu: relu, parameters: parameters, input: input, output: output, rows: first,
                                scratch: scratch, backend: serial)
        worker.wait()
    }

    public func convolveBackward(_ conv: Conv2D, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                 outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                                 gradient: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch) {
        guard rows >= 2 else {
            return ConvKernels.convBackward(conv, parameters: parameters, input: input, outputGradient: outputGradient,
                                            inputGradient: inputGradient, gradient: gradient, rows: rows, scratch: scratch, backend: serial)
        }
        // The worker's half adds its weight and bias gradients into a buffer of its own (this
        // layer's slice only), summed into `gradient` once both halves are done.
        let count = conv.parameterCount
        if layerGradientCapacity < count {
            layerGradient?.deallocate()
            layerGradient = .allocate(capacity: count)
            layerGradientCapacity = count
        }
        let own = layerGradient!
        own.update(repeating: 0, count: count)
        let first = rows / 2, mirror = self.mirror(of: scratch), serial = self.serial
        let secondInput = input + first * conv.inputSize, secondOutputGradient = outputGradient + first * conv.outputSize
        let secondInputGradient = inputGradient.map { $0 + first * conv.inputSize }
        // The worker's half sees this layer's slice as a whole gradient: the same convolution
        // with its weights at offset 0, reading them from the slice of `parameters`.
        var local = conv
        local.weightOffset = 0
        let layerParameters = parameters + conv.weightOffset
        worker.hand {
            ConvKernels.convBackward(local, parameters: layerParameters, input: secondInput, outputGradient: secondOutputGradient,
                                     inputGradient: secondInputGradient, gradient: own, rows: rows - first, scratch: mirror,
                                     backend: serial)
        }
        ConvKernels.convBackward(conv, parameters: parameters, input: input, outputGradient: outputGradient,
                                 inputGradient: inputGradient, gradient: gradient, rows: first, scratch: scratch, backend: serial)
        worker.wait()
        let slice = gradient + conv.weightOffset
        for index in 0..<count { slice[index] += own[index] }
    }

    /// The worker's scratch beside each caller's scratch.
    private func mirror(of scratch: ConvolutionScratch) -> ConvolutionScratch {
        // A scratch freed and another allocated at its address must not get the old mirror.
        if let mirror = mirrors[ObjectIdentifier(scratch)], mirror.capacity == scratch.capacity { return mirror }
        let mirror = ConvolutionScratch(matching: scratch)
        mirrors[ObjectIdentifier(scratch)] = mirror
        return mirror
    }

}

/// The thread that computes a `SplitCPUBackend`'s second halves: one job at a time, handed
/// over and waited for under a condition lock. A separate object so that the thread holds
/// it, not the backend, whose `deinit` can then stop it.
private final class GemmWorker: @unchecked Sendable {
    // The job slot and its flags are touched only under `lock`.
    private let lock = ConditionLock()
    private var job: (() -> Void)?
    private var finished = false
    private var stopping = false
    private var thread: OSThread?

    init() {
        thread = OSThread(name: "seedrl-gemm") { [self] in self.work() }
    }

    func hand(_ body: @escaping () -> Void) {
        lock.withLock {
            job = body
            finished = false
            lock.broadcast()
        }
    }

    func wait() {
        lock.withLock {
            while !finished { lock.wait() }
        }
    }

    func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        thread?.join()
    }

    private func work() {
        BLAS.useSingleThread()
        while true {
            let body: (() -> Void)? = lock.withLock {
                while job == nil && !stopping { lock.wait() }
                defer { job = nil }
                return job
            }
            guard let body else { return }  // stopping
            body()
            lock.withLock {
                finished = true
                lock.broadcast()
            }
        }
    }
}

/// The buffers of one conv torso for up to `maxRows` rows, kept from the forward pass for
/// the backward pass: each operation's output, a residual block's inner activations, the
/// max-pool winners, and the patch-matrix scratch. Owned by one thread at a time.
final class ConvTorsoWorkspace {
    let plan: ConvTorsoPlan
    let maxRows: Int
    /// Per operation: its output (rows × outputSize).
    let outputs: [UnsafeMutablePointer<Float>]
    /// Per residual block: relu(x), relu(conv₁(relu(x))).
    let residualInner: [Int: (relu: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>)]
    let argmax: [Int: UnsafeMutablePointer<Int32>]
    /// Backward: the gradient flowing down, and a second buffer to swap with.
    let gradientA, gradientB, gradientInner: UnsafeMutablePointer<Float>
    let scratch: ConvolutionScratch
    /// Where its convolutions and dense layers run (pooling and ReLU are CPU loops).
    let backend: any ComputeBackend
    private var allocations: [UnsafeMutablePointer<Float>] = []

    init(plan: ConvTorsoPlan, maxRows: Int, backend: any ComputeBackend = CPUBackend()) {
        self.plan = plan
        self.backend = backend
        self.maxRows = maxRows
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ size: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxRows * size))
            allocations.append(pointer)
            return pointer
        }
        outputs = plan.operations.map { buffer($0.outputSize) }
        var inner: [Int: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)] = [:]
        var winners: [Int: UnsafeMutablePointer<Int32>] = [:]
        var largest = plan.inputSize
        for (index, operation) in plan.operations.enumerated() {
            largest = max(largest, operation.outputSize)
            switch operation {
            case .residual(let first, _): inner[index] = (buffer(first.inputSize), buffer(first.outputSize))
            case .maxPool(let pool): winners[index] = .allocate(capacity: maxRows * pool.outputSize)
            default: break
            }
        }
        residualInner = inner
        argmax = winners
        gradientA = buffer(largest)
        gradientB = buffer(largest)
        gradientInner = buffer(largest)
        scratch = ConvolutionScratch(plan: plan)
        self.allocations = allocations
    }

    deinit {
        allocations.forEach { $0.deallocate() }
        argmax.values.forEach { $0.deallocate() }
    }

    /// The torso's features for the rows of the last forward pass.
    var features: UnsafeMutablePointer<Float> { outputs[outputs.count - 1] }
}

/// The conv torso's forward and backward passes over a batch of rows (all T×B timesteps
/// of a learner batch, or an inference batch), operation by operation.
enum ConvTorso {
    static func forward(parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int, workspace w: ConvTorsoWorkspace) {
        precondition(rows <= w.maxRows, "\(rows) rows exceed the torso's \(w.maxRows)")
        var current = input
        for (index, operation) in w.plan.operations.enumerated() {
            let output = w.outputs[index]
            switch operation {
            case .conv(let conv, let relu):
                w.backend.convolve(conv, relu: relu, parameters: parameters, input: current, output: output, rows: rows, scratch: w.scratch)
            case .maxPool(let pool):
                ConvKernels.poolForward(pool, input: current, output: output, argmax: w.argmax[index]!, rows: rows)
            case .residual(let first, let second):
                let (relu, hidden) = w.residualInner[index]!
                ConvKernels.copyReLU(current, to: relu, count: rows * first.inputSize)
                w.backend.convolve(first, relu: true, parameters: parameters, input: relu, output: hidden, rows: rows, scratch: w.scratch)
                w.backend.convolve(second, relu: false, parameters: parameters, input: hidden, output: output, rows: rows, scratch: w.scratch)
                for element in 0..<(rows * second.outputSize) { output[element] += current[element] }
            case .relu(let size):
                ConvKernels.copyReLU(current, to: output, count: rows * size)
            case .dense(let dense):
                ConvKernels.denseForward(dense, backend: w.backend, parameters: parameters, input: current, output: output, rows: rows)
            }
            current = UnsafePointer(output)
        }
    }

    /// From ∂features (rows × outputSize, overwritten as scratch), writes every torso
    /// parameter's gradient into `gradient`. `input` and the workspace must be those of the
    /// forward pass over the same rows. The input's own gradient is not needed (frames).
    static func backward(parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                         featureGradient: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, workspace w: ConvTorsoWorkspace) {
        let operations = w.plan.operations
        var dOut = w.gradientA, spare = w.gradientB
        dOut.update(from: featureGradient, count: rows * w.plan.outputSize)
        for index in stride(from: operations.count - 1, through: 0, by: -1) {
            let below: UnsafePointer<Float> = index == 0 ? input : UnsafePointer(w.outputs[index - 1])
            let output = UnsafePointer(w.outputs[index])
            let wantInput = index > 0
            switch operations[index] {
            case .conv(let conv, let relu):
                if relu { ConvKernels.maskReLU(dOut, by: output, count: rows * conv.outputSize) }
                gradient.advanced(by: conv.weightOffset).update(repeating: 0, count: conv.parameterCount)
                w.backend.convolveBackward(conv, parameters: parameters, input: below, outputGradient: dOut,
                                         inputGradient: wantInput ? spare : nil, gradient: gradient, rows: rows, scratch: w.scratch)
            case .maxPool(let pool):
                ConvKernels.poolBackward(pool, outputGradient: dOut, argmax: w.argmax[index]!, inputGradient: spare, rows: rows)
            case .residual(let first, let second):
                let (relu, hidden) = w.residualInner[index]!
                let inner = w.gradientInner
                // The second conv (no activation after it): dOut is ∂ of its output.
                gradient.advanced(by: second.weightOffset).update(repeating: 0, count: second.parameterCount)
                w.backend.convolveBackward(second, parameters: parameters, input: hidden, outputGradient: dOut,
                                         inputGradient: inner, gradient: gradient, rows: rows, scratch: w.scratch)
                ConvKernels.maskReLU(inner, by: hidden, count: rows * first.outputSize)
                gradient.advanced(by: first.weightOffset).update(repeating: 0, count: first.parameterCount)
                w.backend.convolveBackward(first, parameters: parameters, input: relu, outputGradient: inner,
                                         inputGradient: spare, gradient: gradient, rows: rows, scratch: w.scratch)
                // Through relu(x), then the skip connection adds dOut itself.
                ConvKernels.maskReLU(spare, by: relu, count: rows * first.inputSize)
                for element in 0..<(rows * first.inputSize) { spare[element] += dOut[element] }
            case .relu(let size):
                spare.update(from: dOut, count: rows * size)
                ConvKernels.maskReLU(spare, by: output, count: rows * size)
            case .dense(let dense):
                ConvKernels.maskReLU(dOut, by: output, count: rows * dense.outputs)
                ConvKernels.denseBackward(dense, backend: w.backend, parameters: parameters, input: below, outputGradient: dOut,
                                          inputGradient: wantInput ? spare : nil, gradient: gradient, rows: rows)
            }
            swap(&dOut, &spare)
        }
    }
}

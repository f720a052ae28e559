import LinearAlgebra

/// Gradient buffers for the backward pass, sized once for the largest batch of rows.
public final class BackwardWorkspace {
    let maxRows: Int
    /// Gradient with respect to each dense layer's pre-activation output.
    let outputGradients: [UnsafeMutablePointer<Float>]
    /// ∂loss/∂(LSTM output h), rows × lstmSize (nil without a core).
    let coreOutputGradient: UnsafeMutablePointer<Float>?
    /// ∂loss/∂(conv torso features), rows × featureSize (nil for the MLP).
    let featureGradient: UnsafeMutablePointer<Float>?

    public init(architecture: ModelArchitecture, maxRows: Int) {
        self.maxRows = maxRows
        let layout = architecture.layout
        outputGradients = layout.layers.map { .allocate(capacity: maxRows * $0.outputs) }
        coreOutputGradient = layout.lstm.map { .allocate(capacity: maxRows * $0.size) }
        featureGradient = architecture.convTorso.map { .allocate(capacity: maxRows * $0.outputSize) }
    }

    deinit {
        outputGradients.forEach { $0.deallocate() }
        coreOutputGradient?.deallocate()
        featureGradient?.deallocate()
    }

    /// Where the caller writes ∂loss/∂(head output), `rows × headSize`, before `run`.
    public var headGradient: UnsafeMutablePointer<Float> { outputGradients[outputGradients.count - 1] }
}

/// Backpropagation on the forward workspace's backend: for each dense layer from the head down,
/// ∂W = Hᵀ·G, ∂b = Σ_rows G, and G ← (G·Wᵀ) ⊙ (1 − H²) for the tanh layer below; with an
/// LSTM core, the head's input gradient goes through time in the core (BPTT) and comes
/// out as the torso's output gradient; a conv torso then takes it down its layers.
public enum ModelBackward {
    /// `input` and `forward` must be the ones of the forward pass over the same `rows`.
    /// Writes the whole gradient (same layout as the parameters) into `gradient`.
    public static func run(
        parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
        forward: ForwardWorkspace, workspace: BackwardWorkspace, gradient: UnsafeMutablePointer<Float>
    ) {
        precondition(rows <= workspace.maxRows && rows <= forward.maxBatch)
        let layout = forward.layout
        let backend = forward.backend
        let input = forward.torsoInput(input)
        let layers = layout.layers
        let head = layers.count - 1
        // What the dense stack reads: the conv torso's features, or the encoded input.
        let stackInput: UnsafePointer<Float> = forward.convTorso.map { UnsafePointer($0.features) } ?? input
        for index in stride(from: head, through: 0, by: -1) {
            let layer = layers[index]
            let outputGradient = workspace.outputGradients[index]
            // The head reads the core's output when there is a core; below it (and below
            // every other layer) is the previous dense layer's output, or the input.
            let core = index == head ? forward.core : nil
            let previous: UnsafePointer<Float> = index == 0 ? stackInput : UnsafePointer(forward.activations[index - 1])
            let below = core.map { UnsafePointer($0.hidden) } ?? previous
            backend.gemm(transposeA: true, m: layer.inputs, n: layer.outputs, k: rows,
                      a: below, lda: layer.inputs, b: outputGradient, ldb: layer.outputs,
                      c: gradient + layer.weightOffset, ldc: layer.outputs)
            let bias = gradient + layer.biasOffset
            bias.update(repeating: 0, count: layer.outputs)
            for row in 0..<rows {
                let source = outputGradient + row * layer.outputs
                for column in 0..<layer.outputs { bias[column] += source[column] }
            }
            // ∂(previous output): through the core in time (BPTT), or G·Wᵀ directly; below
            // the first dense layer only a conv torso wants it.
            let previousGradient = index == 0 ? workspace.featureGradient : workspace.outputGradients[index - 1]
            if let core, let lstm = layout.lstm, let coreGradient = workspace.coreOutputGradient {
                backend.gemm(transposeB: true, m: rows, n: lstm.size, k: layer.outputs,
                          a: outputGradient, lda: layer.outputs, b: parameters + layer.weightOffset, ldb: layer.outputs,
                          c: coreGradient, ldc: lstm.size)
                LSTMCore.backward(parameters: parameters, layout: lstm, input: previous, outputGradient: coreGradient,
                                  workspace: core, gradient: gradient, inputGradient: previousGradient)
            } else if let previousGradient {
                backend.gemm(transposeB: true, m: rows, n: layer.inputs, k: layer.outputs,
                          a: outputGradient, lda: layer.outputs, b: parameters + layer.weightOffset, ldb: layer.outputs,
                          c: previousGradient, ldc: layer.inputs)
            }
            // …then through the previous layer's tanh (the conv torso's ReLU is its own).
            guard index > 0, let previousGradient else { continue }
            backend.tanhBackward(previousGradient, activation: forward.activations[index - 1], count: rows * layers[index - 1].outputs)
        }
        if let torso = forward.convTorso, let featureGradient = workspace.featureGradient {
            ConvTorso.backward(parameters: parameters, input: input, rows: rows, featureGradient: featureGradient,
                               gradient: gradient, workspace: torso)
        }
        SeparateTowers.zeroCrossedWeights(gradient, layout: layout, architecture: forward.architecture)
    }
}

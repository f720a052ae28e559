import LinearAlgebra

/// Gradient buffers for the backward pass, sized once for the largest batch of rows.
public final class BackwardWorkspace {
    let maxRows: Int
    /// Gradient with respect to each layer's pre-activation output.
    let outputGradients: [UnsafeMutablePointer<Float>]

    public init(architecture: ModelArchitecture, maxRows: Int) {
        self.maxRows = maxRows
        outputGradients = architecture.widths.dropFirst().map { .allocate(capacity: maxRows * $0) }
    }

    deinit { outputGradients.forEach { $0.deallocate() } }

    /// Where the caller writes ∂loss/∂(head output), `rows × headSize`, before `run`.
    public var headGradient: UnsafeMutablePointer<Float> { outputGradients[outputGradients.count - 1] }
}

/// Backpropagation through the MLP with OpenBLAS: for each layer from the head down,
/// ∂W = Hᵀ·G, ∂b = Σ_rows G, and G ← (G·Wᵀ) ⊙ (1 − H²) for the tanh layer below.
public enum MLPBackward {
    /// `input` and `forward` must be the ones of the forward pass over the same `rows`.
    /// Writes the whole gradient (same layout as the parameters) into `gradient`.
    public static func run(
        parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
        forward: ForwardWorkspace, workspace: BackwardWorkspace, gradient: UnsafeMutablePointer<Float>
    ) {
        precondition(rows <= workspace.maxRows && rows <= forward.maxBatch)
        let layers = forward.architecture.layout.layers
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[index]
            let outputGradient = workspace.outputGradients[index]
            let below: UnsafePointer<Float> = index == 0 ? input : UnsafePointer(forward.activations[index - 1])
            BLAS.gemm(transposeA: true, m: layer.inputs, n: layer.outputs, k: rows,
                      a: below, lda: layer.inputs, b: outputGradient, ldb: layer.outputs,
                      c: gradient + layer.weightOffset, ldc: layer.outputs)
            let bias = gradient + layer.biasOffset
            bias.update(repeating: 0, count: layer.outputs)
            for row in 0..<rows {
                let source = outputGradient + row * layer.outputs
                for column in 0..<layer.outputs { bias[column] += source[column] }
            }
            guard index > 0 else { continue }
            let belowGradient = workspace.outputGradients[index - 1]
            BLAS.gemm(transposeB: true, m: rows, n: layer.inputs, k: layer.outputs,
                      a: outputGradient, lda: layer.outputs, b: parameters + layer.weightOffset, ldb: layer.outputs,
                      c: belowGradient, ldc: layer.inputs)
            let activation = forward.activations[index - 1]
            for element in 0..<(rows * layer.inputs) {
                let h = activation[element]
                belowGradient[element] *= 1 - h * h
            }
        }
    }
}

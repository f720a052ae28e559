import LinearAlgebra

/// Buffers for one batched forward pass, sized once for the largest batch: the
/// per-batch path allocates nothing. Owned by one thread at a time.
public final class ForwardWorkspace {
    public let maxBatch: Int
    /// Post-activation outputs of each layer (the head's are logits and values).
    let activations: [UnsafeMutablePointer<Float>]
    let architecture: ModelArchitecture

    public init(architecture: ModelArchitecture, maxBatch: Int) {
        self.architecture = architecture
        self.maxBatch = maxBatch
        activations = architecture.widths.dropFirst().map { .allocate(capacity: maxBatch * $0) }
    }

    deinit { activations.forEach { $0.deallocate() } }

    /// The head's output row `i`: `numActions` logits then the value.
    public func headRow(_ index: Int) -> UnsafeMutablePointer<Float> {
        activations[activations.count - 1] + index * architecture.headSize
    }
}

/// The batched forward pass: per layer one `sgemm`, a bias add and tanh (none on the head).
public enum MLPForward {
    /// Runs `count` rows of `input` (`count × inputSize`) through `parameters`; results
    /// in `workspace` (see `headRow`).
    public static func run(
        parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int, workspace: ForwardWorkspace
    ) {
        precondition(count >= 1 && count <= workspace.maxBatch, "batch of \(count) exceeds \(workspace.maxBatch)")
        let layout = workspace.architecture.layout
        var current = input
        for (index, layer) in layout.layers.enumerated() {
            let output = workspace.activations[index]
            // Start from the bias in every row, then accumulate input · W on top (beta 1).
            let bias = parameters + layer.biasOffset
            for row in 0..<count { (output + row * layer.outputs).update(from: bias, count: layer.outputs) }
            BLAS.gemm(m: count, n: layer.outputs, k: layer.inputs,
                      a: current, lda: layer.inputs,
                      b: parameters + layer.weightOffset, ldb: layer.outputs,
                      beta: 1, c: output, ldc: layer.outputs)
            if index < layout.layers.count - 1 {
                FastTanh.apply(output, count: count * layer.outputs)
            }
            current = UnsafePointer(output)
        }
    }
}

import LinearAlgebra

/// Buffers for one batched forward pass, sized once for the largest batch: the
/// per-batch path allocates nothing. Owned by one thread at a time.
public final class ForwardWorkspace {
    public let maxBatch: Int
    /// Post-activation outputs of each dense layer (the head's are logits and values).
    let activations: [UnsafeMutablePointer<Float>]
    /// The LSTM core's buffers (nil for a feed-forward model).
    let core: LSTMWorkspace?
    /// A conv torso's buffers (nil for the MLP).
    let convTorso: ConvTorsoWorkspace?
    /// The normalised inputs the torso read (nil when inputs are not normalised).
    let normalizedInput: UnsafeMutablePointer<Float>?
    let architecture: ModelArchitecture
    /// `architecture.layout`, computed once (it builds arrays: not once per batch).
    public let layout: ParameterLayout
    /// Where the arithmetic runs (the backward pass over this workspace's rows too).
    public let backend: any ComputeBackend

    public init(architecture: ModelArchitecture, maxBatch: Int, backend: any ComputeBackend = CPUBackend()) {
        self.architecture = architecture
        self.maxBatch = maxBatch
        self.backend = backend
        let layout = architecture.layout
        self.layout = layout
        activations = layout.layers.map { .allocate(capacity: maxBatch * $0.outputs) }
        core = layout.lstm.map { LSTMWorkspace(layout: $0, maxRows: maxBatch, backend: backend) }
        convTorso = architecture.convTorso.map { ConvTorsoWorkspace(plan: $0, maxRows: maxBatch, backend: backend) }
        normalizedInput = architecture.normalizesInputs ? .allocate(capacity: maxBatch * architecture.inputSize) : nil
    }

    deinit {
        activations.forEach { $0.deallocate() }
        normalizedInput?.deallocate()
    }

    /// What the torso read for `input`: its normalised copy, or `input` itself.
    func torsoInput(_ input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        normalizedInput.map { UnsafePointer($0) } ?? input
    }

    /// The head's output row `i`: `numActions` logits then the value.
    public func headRow(_ index: Int) -> UnsafeMutablePointer<Float> {
        activations[activations.count - 1] + index * architecture.headSize
    }

    /// With an LSTM core: sequence `b`'s state after the last timestep of the last
    /// forward pass (h then c, `lstmSize` each).
    public func finalState(sequence b: Int, into state: UnsafeMutablePointer<Float>) {
        core!.finalState(sequence: b, into: state)
    }
}

/// The batched forward pass on the workspace's backend: a conv torso's layers (im2col +
/// gemm, ReLU), or per MLP layer one gemm, a bias add and tanh; with an LSTM core, the torso's output runs
/// through it (per timestep); then the head (one `sgemm`, no activation).
public enum ModelForward {
    /// Runs `count` independent rows of `input` (`count × inputSize`) through
    /// `parameters`; results in `workspace` (see `headRow`). With an LSTM core every row
    /// is one step of its own sequence from a zero state.
    public static func run(
        parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int, workspace: ForwardWorkspace
    ) {
        run(parameters: parameters, input: input, sequences: count, length: 1, initialState: nil, resets: nil, workspace: workspace)
    }

    /// Runs `sequences × length` rows (sequence-major: row = b·length + t). With an LSTM
    /// core, sequence b starts from `initialState[b]` (h then c, nil: zeros) and its state
    /// is zeroed before every timestep whose `resets[row]` is true (an episode's FIRST).
    public static func run(
        parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, sequences: Int, length: Int,
        initialState: UnsafePointer<UnsafePointer<Float>>?, resets: UnsafePointer<Bool>?, workspace: ForwardWorkspace
    ) {
        let count = sequences * length
        precondition(count >= 1 && count <= workspace.maxBatch, "batch of \(count) exceeds \(workspace.maxBatch)")
        let layout = workspace.layout
        if let normalized = workspace.normalizedInput {
            InputNormalizer.apply(parameters: parameters, layout: layout, input: input, rows: count, into: normalized)
        }
        let input = workspace.torsoInput(input)
        var current = input
        if let torso = workspace.convTorso {
            ConvTorso.forward(parameters: parameters, input: input, rows: count, workspace: torso)
            current = UnsafePointer(torso.features)
        }
        for (index, layer) in layout.layers.enumerated() {
            if index == layout.layers.count - 1, let core = workspace.core, let lstm = layout.lstm {
                LSTMCore.forward(parameters: parameters, layout: lstm, input: current, sequences: sequences, length: length,
                                 initialState: initialState, resets: resets, workspace: core)
                current = UnsafePointer(core.hidden)
            }
            let output = workspace.activations[index]
            // Start from the bias in every row, then accumulate input · W on top (beta 1).
            let bias = parameters + layer.biasOffset
            for row in 0..<count { (output + row * layer.outputs).update(from: bias, count: layer.outputs) }
            workspace.backend.gemm(m: count, n: layer.outputs, k: layer.inputs,
                      a: current, lda: layer.inputs,
                      b: parameters + layer.weightOffset, ldb: layer.outputs,
                      beta: 1, c: output, ldc: layer.outputs)
            if index < layout.layers.count - 1 {
                workspace.backend.tanh(output, count: count * layer.outputs)
            }
            current = UnsafePointer(output)
        }
    }
}

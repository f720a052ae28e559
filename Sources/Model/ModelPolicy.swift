/// Inference on the learner's own parameters: encode a batch of raw observations, run
/// the model on the newest complete parameter snapshot, sample one action per row. The
/// server and the evaluator both act through it.
///
/// Not thread-safe: one inference thread owns it (its workspace and generator);
/// the `ParameterStore` it reads is shared safely with the learner.
public final class ModelPolicy: @unchecked Sendable {
    // @unchecked: confined to the inference thread, as documented above.
    public let architecture: ModelArchitecture
    public let store: ParameterStore
    private let encoder: ObservationEncoder
    private let workspace: ForwardWorkspace
    private let input: UnsafeMutablePointer<Float>
    private var sampler: ActionSampler
    /// Take the most likely action instead of sampling (evaluation).
    public var greedy = false

    public init(architecture: ModelArchitecture, store: ParameterStore, maxBatch: Int, seed: UInt64) {
        self.architecture = architecture
        self.store = store
        encoder = ObservationEncoder(architecture: architecture)
        workspace = ForwardWorkspace(architecture: architecture, maxBatch: maxBatch)
        input = .allocate(capacity: maxBatch * architecture.inputSize)
        sampler = ActionSampler(seed: seed)
    }

    deinit { input.deallocate() }

    public var numActions: Int { architecture.numActions }

    /// Chooses actions for `count` observations laid end to end in `observations` (raw
    /// bytes, `observation.byteCount` each). Writes `actions[0..<count]` and the
    /// behaviour logits (`count × numActions`); returns the parameter version used.
    public func act(
        observations: UnsafeRawPointer, count: Int,
        actions: UnsafeMutablePointer<Int32>, logits: UnsafeMutablePointer<Float>
    ) -> UInt64 {
        encoder.encode(raw: observations, count: count, into: input)
        return forward(count: count, actions: actions, logits: logits)
    }

    /// Bytes of one encoded input row (`inputSize` floats).
    public var preparedRowBytes: Int { architecture.inputSize * MemoryLayout<Float>.stride }

    /// Encodes one raw observation into its input row. Thread-safe (pure).
    public func prepare(observation: UnsafeRawBufferPointer, into row: UnsafeMutableRawPointer) {
        precondition(observation.count == architecture.observation.byteCount)
        encoder.encode(raw: observation.baseAddress!, count: 1, into: row.assumingMemoryBound(to: Float.self))
    }

    /// Floats of recurrent state per stream (0: feed-forward).
    public var stateSize: Int { architecture.stateSize }

    /// As `act(observations:…)`, for rows already encoded by `prepare`, each wherever it
    /// lies (row `i` at `preparedRows[i]`). With a recurrent core, row `i` steps from the
    /// state at `states[i]` (h then c; nil: zeros) and its new state is written back there —
    /// each stream's own state, gathered and scattered by pointer, never the whole table.
    public func act(
        preparedRows: UnsafePointer<UnsafeRawPointer>, states: UnsafePointer<UnsafeMutablePointer<Float>>?, count: Int,
        actions: UnsafeMutablePointer<Int32>, logits: UnsafeMutablePointer<Float>
    ) -> UInt64 {
        let inputSize = architecture.inputSize
        for row in 0..<count {
            (input + row * inputSize).update(from: preparedRows[row].assumingMemoryBound(to: Float.self), count: inputSize)
        }
        return forward(count: count, states: states, actions: actions, logits: logits)
    }

    /// Runs the model on the encoded `input` rows and samples an action for each.
    private func forward(count: Int, states: UnsafePointer<UnsafeMutablePointer<Float>>? = nil,
                         actions: UnsafeMutablePointer<Int32>, logits: UnsafeMutablePointer<Float>) -> UInt64 {
        let snapshot = store.snapshot
        let numActions = architecture.numActions
        snapshot.values.withUnsafeBufferPointer { parameters in
            let initial = states.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<Float>.self) }
            ModelForward.run(parameters: parameters.baseAddress!, input: input, sequences: count, length: 1,
                           initialState: initial, resets: nil, workspace: workspace)
        }
        if let states, stateSize > 0 {
            for row in 0..<count { workspace.finalState(sequence: row, into: states[row]) }
        }
        for row in 0..<count {
            let head = workspace.headRow(row)
            (logits + row * numActions).update(from: head, count: numActions)
            actions[row] = Int32(greedy ? ActionSampler.greedy(logits: head, count: numActions)
                                        : sampler.sample(logits: head, count: numActions))
        }
        return snapshot.version
    }
}

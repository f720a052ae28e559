import Contract
import Randomness

/// Inference on the learner's own parameters: encode a batch of raw observations, run
/// the model on the newest complete parameter snapshot, draw one action per row from the
/// policy head. The server and the evaluator both act through it.
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
    private var generator: SeededGenerator
    private let headParameterOffset: Int
    /// Write the behaviour log-probabilities (a learner needs them for its importance
    /// ratios; a server that only serves turns this off and skips their logarithms).
    public var computesLogProbabilities = true
    /// Take the most likely action instead of sampling (evaluation).
    public var greedy = false

    public init(architecture: ModelArchitecture, store: ParameterStore, maxBatch: Int, seed: UInt64) {
        self.architecture = architecture
        self.store = store
        encoder = ObservationEncoder(architecture: architecture)
        workspace = ForwardWorkspace(architecture: architecture, maxBatch: maxBatch)
        input = .allocate(capacity: maxBatch * architecture.inputSize)
        generator = SeededGenerator(seed: seed, stream: 0xAC7)
        headParameterOffset = architecture.layout.headParameterOffset
    }

    deinit { input.deallocate() }

    /// The actions it chooses.
    public var action: ActionSpec { architecture.action }

    /// Floats in one action row (see `ActionSpec`).
    public var actionWidth: Int { architecture.action.width }

    /// Chooses actions for `count` observations laid end to end in `observations` (raw
    /// bytes, `observation.byteCount` each). Writes the action rows (`count × actionWidth`)
    /// and each action's log-probability under the policy that chose it (the behaviour
    /// policy, for the learner's importance ratios); returns the parameter version used.
    public func act(
        observations: UnsafeRawPointer, count: Int,
        actions: UnsafeMutablePointer<Float>, logProbabilities: UnsafeMutablePointer<Float>
    ) -> UInt64 {
        encoder.encode(raw: observations, count: count, into: input)
        return forward(count: count, actions: actions, logProbabilities: logProbabilities)
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
        actions: UnsafeMutablePointer<Float>, logProbabilities: UnsafeMutablePointer<Float>
    ) -> UInt64 {
        let inputSize = architecture.inputSize
        for row in 0..<count {
            (input + row * inputSize).update(from: preparedRows[row].assumingMemoryBound(to: Float.self), count: inputSize)
        }
        return forward(count: count, states: states, actions: actions, logProbabilities: logProbabilities)
    }

    /// Runs the model on the encoded `input` rows and draws an action for each.
    private func forward(count: Int, states: UnsafePointer<UnsafeMutablePointer<Float>>? = nil,
                         actions: UnsafeMutablePointer<Float>, logProbabilities: UnsafeMutablePointer<Float>) -> UInt64 {
        let snapshot = store.snapshot
        snapshot.values.withUnsafeBufferPointer { parameters in
            let initial = states.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<Float>.self) }
            ModelForward.run(parameters: parameters.baseAddress!, input: input, sequences: count, length: 1,
                           initialState: initial, resets: nil, workspace: workspace)
            draw(architecture.head, rows: count, headParameters: parameters.baseAddress! + headParameterOffset,
                 actions: actions, logProbabilities: logProbabilities)
        }
        if let states, stateSize > 0 {
            for row in 0..<count { workspace.finalState(sequence: row, into: states[row]) }
        }
        return snapshot.version
    }

    /// One action per head row. Generic so the head's type is opened once per batch and
    /// its per-row calls are direct (this loop runs for every step served).
    private func draw<Head: PolicyHead>(_ head: Head, rows: Int, headParameters: UnsafePointer<Float>,
                                        actions: UnsafeMutablePointer<Float>, logProbabilities: UnsafeMutablePointer<Float>) {
        let width = architecture.action.width
        if !greedy && !computesLogProbabilities {
            for row in 0..<rows {
                head.sampleAction(outputs: workspace.headRow(row), parameters: headParameters, generator: &generator,
                                  into: actions + row * width)
            }
            return
        }
        for row in 0..<rows {
            let outputs = UnsafePointer(workspace.headRow(row)), action = actions + row * width
            logProbabilities[row] = greedy
                ? head.mode(outputs: outputs, parameters: headParameters, into: action)
                : head.sample(outputs: outputs, parameters: headParameters, generator: &generator, into: action)
        }
    }
}

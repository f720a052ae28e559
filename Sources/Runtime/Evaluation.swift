import Contract
import Environments
import LearnerLoop
import Model

/// A checkpoint's policy on local environments, no server: the same policy code the
/// server runs (prepare each observation, act on the batch of one, carry a recurrent
/// state through the episode), sampled or greedy.
public enum Evaluation {
    /// The return of each of `episodes` episodes.
    public static func run(checkpoint: Checkpoint, environment: Environment, episodes: Int, greedy: Bool, seed: UInt64) -> [Double] {
        let architecture = checkpoint.architecture
        let store = ParameterStore(initial: ParameterSnapshot(values: checkpoint.parameters, version: checkpoint.version),
                                   layout: architecture.layout)
        let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: 1, seed: seed)
        policy.greedy = greedy
        let observation = UnsafeMutableRawBufferPointer.allocate(byteCount: environment.spec.byteCount, alignment: 16)
        let row = UnsafeMutableRawPointer.allocate(byteCount: max(policy.preparedRowBytes, 1), alignment: 64)
        // A recurrent core's state, carried from step to step and zeroed per episode.
        let state = UnsafeMutablePointer<Float>.allocate(capacity: max(1, architecture.stateSize))
        defer {
            observation.deallocate()
            row.deallocate()
            state.deallocate()
        }
        var action = [Float](repeating: 0, count: architecture.action.width)
        var logProbability: Float = 0
        var rowPointer = UnsafeRawPointer(row)
        var statePointer = state
        var returns: [Double] = []
        for _ in 0..<episodes {
            environment.reset(observation: observation)
            state.update(repeating: 0, count: max(1, architecture.stateSize))
            var total = 0.0
            while true {
                policy.prepare(observation: UnsafeRawBufferPointer(observation), into: row)
                withUnsafePointer(to: &rowPointer) { rows in
                    withUnsafePointer(to: &statePointer) { states in
                        _ = policy.act(preparedRows: rows, states: architecture.stateSize > 0 ? states : nil, count: 1,
                                       actions: &action, logProbabilities: &logProbability)
                    }
                }
                // A box action goes to the environment clipped, as the server sends it.
                if case .box(let low, let high) = architecture.action {
                    for d in action.indices { action[d] = ActionSpec.clip(action[d], low: low[d], high: high[d]) }
                }
                let outcome = environment.step(action: action, observation: observation)
                total += Double(outcome.reward)
                if outcome.isLast { break }
            }
            returns.append(total)
        }
        return returns
    }
}

import Contract
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay

/// A small learner (4 float inputs, 8 hidden, 3 actions, unrolls of 5) for tests that
/// drive it with hand-made unrolls.
func makeTestLearner(batchSize: Int = 1, normalizeAdvantages: Bool = false,
                     backend: any ComputeBackend = CPUBackend()) -> Learner {
    let architecture = ModelArchitecture(
        observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8], numActions: 3)
    var settings = LearnerSettings()
    settings.batchSize = batchSize
    settings.unrollLength = 5
    settings.maxGradientNorm = 40
    settings.normalizeAdvantages = normalizeAdvantages
    let store = ParameterStore(
        initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 4), version: 0),
        layout: architecture.layout)
    return Learner(architecture: architecture, settings: settings, store: store, backend: backend)
}

/// A seeded unroll for `makeTestLearner`: FIRST then MIDs unless `types` says otherwise.
func makeTestUnroll(seed: UInt64, types: [StepType]? = nil) -> Unroll {
    var generator = SeededGenerator(seed: seed)
    var unroll = Unroll(length: 5, observationBytes: 16)
    for t in 0..<unroll.timesteps {
        unroll.stepTypes[t] = types?[t] ?? (t == 0 ? StepType.first : StepType.mid)
        unroll.rewards[t] = Float.random(in: -1...1, using: &generator)
        unroll.discounts[t] = 1
        unroll.actions[t] = Float(Int.random(in: 0..<3, using: &generator))
        unroll.behaviourLogProbabilities[t] = Float.random(in: -2...0, using: &generator)
    }
    unroll.observations.withUnsafeMutableBytes { raw in
        let floats = raw.bindMemory(to: Float.self)
        for index in floats.indices { floats[index] = Float.random(in: -1...1, using: &generator) }
    }
    return unroll
}

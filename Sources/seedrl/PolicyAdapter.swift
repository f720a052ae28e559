import InferenceServer
import LearnerLoop

/// The learner's MLP serves as the inference server's policy.
extension MLPPolicy: Policy {
    public var modelVersion: UInt64 { store.version }
}

enum ModelFactory {
    /// A freshly initialised model for `spec`, held in its parameter store.
    static func makePolicy(spec: ObservationSpec, hiddenSizes: [Int], maxBatch: Int, seed: UInt64) -> MLPPolicy {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: spec.shape, elementType: spec.dtype == .uint8 ? .uint8 : .float32),
            hiddenSizes: hiddenSizes, numActions: spec.numActions)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: seed), version: 0),
            layout: architecture.layout)
        return MLPPolicy(architecture: architecture, store: store, maxBatch: maxBatch, seed: seed)
    }
}

import InferenceServer
import LearnerLoop

/// The learner's MLP serves as the inference server's policy.
extension ModelPolicy: Policy {
    public var modelVersion: UInt64 { store.version }
}

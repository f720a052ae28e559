import InferenceServer
import LearnerLoop
import Model

/// The learner's model serves as the inference server's policy (one conformance, used by
/// the server, the evaluator and the tests).
extension ModelPolicy: Policy {
    public var modelVersion: UInt64 { store.version }
}

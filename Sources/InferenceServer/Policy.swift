/// What the server needs of a model: actions for a batch of raw observations. The
/// composition root adapts the learner's model to it; this module knows nothing of
/// how the model is trained.
///
/// Called from the inference thread only.
public protocol Policy: AnyObject, Sendable {
    var numActions: Int { get }
    /// The newest parameter version (thread-safe; for GetSpec and GetStats).
    var modelVersion: UInt64 { get }
    /// Chooses actions for `count` raw observations, row `i` at `observationRows[i]`
    /// (each where its stream received it: no gathering copy); writes
    /// `actions[0..<count]` and behaviour logits (`count × numActions`); returns the
    /// version of the parameters that chose them.
    func act(
        observationRows: UnsafePointer<UnsafeRawPointer>, count: Int,
        actions: UnsafeMutablePointer<Int32>, logits: UnsafeMutablePointer<Float>
    ) -> UInt64
}

/// What the server needs of a model: actions for a batch of observations. The
/// composition root adapts the learner's model to it; this module knows nothing of
/// how the model is trained.
///
/// Inference is split in two so the per-observation work runs where the bytes arrive:
/// `prepare` turns one raw observation into the model's input row on the receiving
/// (poller) thread, while its bytes are in cache, and `act` runs the batch on the
/// inference thread.
import Contract

public protocol Policy: AnyObject, Sendable {
    /// The actions it chooses.
    var action: ActionSpec { get }
    /// The newest parameter version (thread-safe; for GetSpec and GetStats).
    var modelVersion: UInt64 { get }
    /// Bytes of one prepared input row (each stream holds one).
    var preparedRowBytes: Int { get }
    /// Floats of recurrent state each stream holds (0: a feed-forward policy).
    var stateSize: Int { get }
    /// Writes the input row for one raw observation (of the spec's size) to `row`
    /// (`preparedRowBytes`, 16-byte aligned). Thread-safe: called from any poller
    /// thread, for different streams at once.
    func prepare(observation: UnsafeRawBufferPointer, into row: UnsafeMutableRawPointer)
    /// Chooses actions for `count` prepared rows (row `i` at `preparedRows[i]`, each
    /// where its stream keeps it: no gathering copy first); writes the action rows
    /// (`count × action.width`, a box's unclipped) and their log-probabilities under the
    /// policy that chose them; returns the version of the parameters that chose them.
    /// Called from the inference thread only.
    /// With a recurrent policy, row `i` steps from the state at `states[i]` (the stream's
    /// own, zeroed at an episode's start) and leaves its new state there.
    func act(
        preparedRows: UnsafePointer<UnsafeRawPointer>, states: UnsafePointer<UnsafeMutablePointer<Float>>?, count: Int,
        actions: UnsafeMutablePointer<Float>, logProbabilities: UnsafeMutablePointer<Float>
    ) -> UInt64
}

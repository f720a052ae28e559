import Model
import Replay

/// What turns a batch of unrolls, already run through the model, into the gradient of
/// the loss on the model's head rows: the part of a learner step that differs between
/// algorithms (V-trace today; PPO next). The learner owns everything around it: encoding,
/// the forward pass, the backward pass from the head gradient, clipping, the optimizer
/// and publishing. Owned by the learner thread; implementations keep their scratch.
protocol Algorithm: AnyObject {
    /// What this batch's rewards are multiplied by (`rewardScale`, and the return
    /// normalisation's factor when it is on); the learner sets it before each batch.
    var rewardFactor: Float { get set }

    /// Writes ∂loss/∂head into `headGradient` (zeroed by the caller; `rows` rows of
    /// `architecture.headSize`, unroll b's timestep t at row b·(T+1) + t) and adds
    /// ∂loss/∂(the policy head's own parameters, at `headParameters`) to
    /// `headParameterGradient` (zeroed by the caller) for `unrolls`, each unroll's loss
    /// weighted by `weights` (nil: 1), and reports the losses, priorities and policy lag
    /// (`versionBefore`: the learner's version now).
    func headGradient(unrolls: [Unroll], weights: [Float]?, forward: ForwardWorkspace, headParameters: UnsafePointer<Float>,
                      versionBefore: UInt64, into headGradient: UnsafeMutablePointer<Float>,
                      headParameterGradient: UnsafeMutablePointer<Float>, report: inout TrainingStepReport)
}

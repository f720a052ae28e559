/// Hyperparameters of the V-trace learner; defaults solve CartPole-v1. Each setting has its
/// one default here (or in the settings type it belongs to): the command line's help text
/// and the task presets read them, never restate them.
public struct LearnerSettings: Sendable, Equatable {
    /// T: transitions per unroll (unrolls hold T+1 timesteps).
    public var unrollLength = 20
    /// B: unrolls per training step.
    public var batchSize = 8
    /// γ, applied on top of each step's own discount.
    public var discount: Float = 0.98
    /// Rewards are multiplied by this before the learner sees them (returns of hundreds,
    /// as Pendulum's and MuJoCo's, make the value loss dwarf the policy's). Statistics and
    /// the episode returns reported stay in the environment's units.
    public var rewardScale: Float = 1
    /// Whether rewards are also divided by the running standard deviation of the lanes'
    /// discounted returns (`ReturnStatistics`), after `rewardScale`.
    public var rewardNormalization = RewardNormalization.none
    public var baselineCost: Float = 0.5
    public var entropyCost: Float = 0.01
    /// Rescale the batch's policy-gradient advantages to mean 0, standard deviation 1
    /// (as PPO does) before the loss: the policy gradient then has the same size whatever
    /// the rewards' scale. Targets (and so the baseline) and replay priorities are
    /// unchanged; a data-parallel rank normalises its own batch. Off by default: without
    /// PPO's ratio clipping, a batch of near-zero advantages gets as large a policy step
    /// as one with signal, and MinAtar Breakout's policy collapsed (BENCHMARKS.md).
    public var normalizeAdvantages = false
    public var vtrace = VTrace.Parameters()
    /// What turns a batch into updates (V-trace: one update; PPO: epochs × minibatches).
    public var algorithm = AlgorithmKind.vtrace
    public var ppo = PPOSettings()
    public var optimizer = OptimizerSettings()
    /// Global-norm gradient clipping; nil turns it off.
    public var maxGradientNorm: Float? = 40
    /// The learning rate decays linearly to 0 over this many trained frames; nil keeps it.
    public var learningRateDecayFrames: UInt64? = nil

    public init() {}

    public func learningRate(afterFrames frames: UInt64) -> Float {
        guard let total = learningRateDecayFrames, total > 0 else { return optimizer.learningRate }
        return optimizer.learningRate * max(0, 1 - Float(frames) / Float(total))
    }
}

/// What one training step did.
public struct TrainingStepReport: Sendable, Equatable {
    public var version: UInt64 = 0
    public var frames: Int = 0
    public var policyLoss: Float = 0
    public var baselineLoss: Float = 0
    public var entropy: Float = 0
    public var gradientNorm: Float = 0
    public var learningRate: Float = 0
    /// Mean over trained transitions of (learner version − behaviour version).
    public var policyLag: Double = 0
    /// Box actions only (nil otherwise): the mean and standard deviation of the actions
    /// trained on (every dimension of every transition, unclipped samples), and the
    /// policy's σ (mean over dimensions) when the step began.
    public var actionMean: Float?
    public var actionStd: Float?
    public var policyStd: Float?
    /// Mean |advantage| per unroll, for replay priorities.
    public var unrollPriorities: [Double] = []
    /// The gradient was not finite, so the step was skipped (nothing applied or published).
    public var skippedNonFinite = false
    /// PPO only: the fraction of trained transitions whose ratio left [1 − ε, 1 + ε], and the
    /// approximate KL divergence between the behaviour and the current policy (last minibatch).
    public var clipFraction: Float?
    public var approximateKL: Float?
    /// PPO only: 1 − Var(target − V) / Var(target) over the batch, before its updates (1: the
    /// values explain the returns; 0: no better than their mean), and the minibatch updates
    /// the batch got (fewer than epochs × minibatches when the KL stop ended it).
    public var explainedVariance: Float?
    public var minibatchUpdates: Int?
    /// PPO only: the batch's policy lag before its first update (median and maximum), the
    /// staleness of its data; the fields below count the last minibatch's, which add the
    /// batch's own earlier updates.
    public var batchPolicyLagMedian: Double?
    public var batchPolicyLagMax: Double?
    /// The policy lag's distribution over the transitions trained on: median, 90th
    /// percentile and maximum (versions between the acting policy and the learner's).
    public var policyLagMedian: Double = 0
    public var policyLagP90: Double = 0
    public var policyLagMax: Double = 0
    /// Seconds spent summing the gradient across a data-parallel job's ranks.
    public var reduceSeconds: Double = 0
    /// What this step's rewards were multiplied by (`rewardScale`, times the return
    /// normalisation's factor when it is on).
    public var rewardFactor: Float = 1
    public init() {}
}

/// What rewards are divided by before learning, beyond the fixed `rewardScale`.
public enum RewardNormalization: String, Sendable, CaseIterable {
    /// Nothing: rewards × `rewardScale` as they are.
    case none
    /// The running standard deviation of each lane's discounted return (Gymnasium's
    /// `NormalizeReward`, as CleanRL's MuJoCo PPO uses it).
    case returns = "return"
}

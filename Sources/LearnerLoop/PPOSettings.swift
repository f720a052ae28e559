/// Which algorithm turns a batch into updates.
public enum AlgorithmKind: String, Sendable, CaseIterable {
    /// IMPALA's single-pass V-trace actor-critic: one update per batch.
    case vtrace
    /// PPO's clipped surrogate: several epochs of minibatch updates per batch.
    case ppo
}

/// Where PPO's advantages come from.
public enum PPOAdvantages: String, Sendable, CaseIterable {
    /// GAE(λ) from the values before the batch's first update (PPO's own).
    case gae
    /// V-trace's off-policy-corrected advantages (APPO's choice: the batch may be stale).
    case vtrace
}

/// PPO's settings (Schulman et al. 2017; defaults as CleanRL's Atari PPO).
public struct PPOSettings: Sendable, Equatable {
    /// Passes over each batch.
    public var epochs = 4
    /// Minibatches per pass: the batch's unrolls split evenly (the batch size must divide).
    public var minibatches = 4
    /// ε of the clipped ratio π/μ ∈ [1 − ε, 1 + ε].
    public var clip: Float = 0.2
    /// λ of GAE.
    public var lambda: Float = 0.95
    public var advantages = PPOAdvantages.gae
    /// Clip each value prediction to within this of the value before the batch's first
    /// update, and take the larger of the clipped and unclipped losses (nil: no clipping).
    public var valueClip: Float?
    /// Stop the batch's remaining updates once a minibatch's approximate KL passes 1.5 ×
    /// this (Stable-Baselines' rule; nil: every epoch runs).
    public var targetKL: Float?
    /// Recompute the advantages and value targets (and the values value clipping keeps
    /// close) from the current parameters before every epoch after the first, instead of
    /// keeping those from before the batch's first update (Andrychowicz et al. 2020;
    /// Tianshou's MuJoCo PPO). Costs one forward pass over the batch per epoch.
    public var recomputesAdvantages = false

    public init() {}
}

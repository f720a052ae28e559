/// The learner settings every rank of a data-parallel job must share, as numbers a
/// broadcast can carry, each named by its command-line flag. Ranks that differ in any of
/// them would not fail on their own: different PPO epochs, minibatches or KL stop make
/// different numbers of collective calls (the job hangs or sums unrelated buffers), and a
/// different learning rate, clip or loss weight applies the same summed gradient
/// differently, so the ranks' parameters drift apart without a word.
extension LearnerSettings {
    public var agreementFields: [(flag: String, value: Double)] {
        [
            ("--unroll-length", Double(unrollLength)),
            ("--batch-size", Double(batchSize)),
            ("--discount", Double(discount)),
            ("--reward-scale", Double(rewardScale)),
            ("--reward-normalization", Double(RewardNormalization.allCases.firstIndex(of: rewardNormalization)!)),
            ("--baseline-cost", Double(baselineCost)),
            ("--entropy-cost", Double(entropyCost)),
            ("--normalize-advantages", normalizeAdvantages ? 1 : 0),
            ("--clip-rho", Double(vtrace.clipRho)),
            ("--clip-c", Double(vtrace.clipC)),
            ("--clip-pg-rho", Double(vtrace.clipPGRho)),
            ("--lambda", Double(vtrace.lambda)),
            ("--algorithm", Double(AlgorithmKind.allCases.firstIndex(of: algorithm)!)),
            ("--ppo-epochs", Double(ppo.epochs)),
            ("--ppo-minibatches", Double(ppo.minibatches)),
            ("--ppo-clip", Double(ppo.clip)),
            ("--gae-lambda", Double(ppo.lambda)),
            ("--advantages", Double(PPOAdvantages.allCases.firstIndex(of: ppo.advantages)!)),
            ("--ppo-value-clip", Double(ppo.valueClip ?? 0)),
            ("--ppo-target-kl", Double(ppo.targetKL ?? 0)),
            ("--ppo-recompute-advantages", ppo.recomputesAdvantages ? 1 : 0),
            ("--optimizer", Double(OptimizerKind.allCases.firstIndex(of: optimizer.kind)!)),
            ("--learning-rate", Double(optimizer.learningRate)),
            ("--learning-rate-decay-frames", Double(learningRateDecayFrames ?? 0)),
            ("--max-grad-norm", Double(maxGradientNorm ?? 0)),
        ]
    }

    /// The flags whose values differ between these settings and rank `root`'s values (as
    /// `agreementFields` lists them), each with both values, for the job's abort message.
    public func disagreements(withRank root: Int, values rootValues: [Double]) -> [String] {
        zip(agreementFields, rootValues).compactMap { field, rootValue in
            field.value == rootValue ? nil : "\(field.flag) \(field.value.formatted) here, \(rootValue.formatted) on rank \(root)"
        }
    }
}

private extension Double {
    /// Integers without a fraction; the rest as the Float they came from (0.001, not 0.0010000000474974513).
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(Float(self)) }
}

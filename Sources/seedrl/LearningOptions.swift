import ArgumentParser
import LearnerLoop
import Model
import Replay
import Runtime

/// The learner's hyperparameters as flags. Those a task tunes default to the task's own
/// (`TaskDefaults`: CartPole's for the classic tasks and external specs, MinAtar's for its
/// games); the rest are the same for every task.
struct LearningOptions: ParsableArguments {
    @Option(help: "T: transitions per unroll. (default: \(LearnerSettings().unrollLength); \(TaskDefaults.of(.minatarBreakout).learning.unrollLength) for minatar-breakout; \(TaskDefaults.pendulum.learning.unrollLength) for pendulum; \(TaskDefaults.continuousControl.learning.unrollLength) for box actions of an environment seedrl does not know)")
    var unrollLength: Int?

    @Option(help: "B: unrolls per training step. (default: \(LearnerSettings().batchSize); \(TaskDefaults.of(.minatarBreakout).learning.batchSize) for minatar-breakout; \(TaskDefaults.continuousControl.learning.batchSize) for box actions)")
    var batchSize: Int?

    @Option(help: "What turns a batch into updates: vtrace (one update per batch) or ppo (--ppo-epochs passes of --ppo-minibatches updates, clipped surrogate against the behaviour policy). (default: \(LearnerSettings().algorithm); \(TaskDefaults.of(.minatarBreakout).learning.algorithm) for minatar-breakout and for box actions of an environment seedrl does not know)")
    var algorithm: AlgorithmKind?

    @Option(help: "PPO: passes over each batch. (default: \(PPOSettings().epochs); \(TaskDefaults.continuousControl.learning.ppo.epochs) for box actions)")
    var ppoEpochs: Int?

    @Option(help: "PPO: minibatches per pass (must divide --batch-size). (default: \(PPOSettings().minibatches); \(TaskDefaults.of(.minatarBreakout).learning.ppo.minibatches) for minatar-breakout; \(TaskDefaults.continuousControl.learning.ppo.minibatches) for box actions)")
    var ppoMinibatches: Int?

    @Option(help: "PPO: ε of the clipped ratio.")
    var ppoClip: Float = PPOSettings().clip

    @Option(help: "PPO: clip each value prediction to within this of the value before the batch's updates (0: no value clipping).")
    var ppoValueClip: Float = 0

    @Option(help: "PPO: stop a batch's updates once a minibatch's approximate KL exceeds 1.5 × this (0: every epoch runs).")
    var ppoTargetKl: Float = 0

    @Flag(inversion: .prefixedNo, help: "PPO: recompute the advantages and value targets from the current parameters before every epoch after the first (Andrychowicz et al.; Tianshou's MuJoCo PPO), instead of keeping those from before the batch's first update. (default: on for minatar-breakout and for box actions, off otherwise)")
    var ppoRecomputeAdvantages: Bool?

    @Option(help: "PPO: λ of GAE.")
    var gaeLambda: Float = PPOSettings().lambda

    @Option(help: "PPO: advantages from GAE(λ) or from V-trace (APPO's choice).")
    var advantages: PPOAdvantages = PPOSettings().advantages

    @Option(help: "Optimizer (rmsprop in the Keras form: mean square from 0).")
    var optimizer: OptimizerKind = OptimizerSettings().kind

    @Option(help: "Learning rate. (default: \(LearnerSettings().optimizer.learningRate); \(TaskDefaults.of(.minatarAsterix).learning.optimizer.learningRate) for minatar-asterix; \(TaskDefaults.of(.minatarBreakout).learning.optimizer.learningRate) for minatar-breakout; \(TaskDefaults.continuousControl.learning.optimizer.learningRate) for box actions)")
    var learningRate: Float?

    @Option(help: "Decay the learning rate linearly to 0 over this many trained frames (0: constant). (default: constant; over `seedrl train`'s step budget for every MinAtar game and for box actions of an environment seedrl does not know)")
    var learningRateDecayFrames: UInt64?

    @Option(help: "Discount γ. (default: \(LearnerSettings().discount); \(TaskDefaults.of(.minatarBreakout).learning.discount) for MinAtar)")
    var discount: Float?

    @Option(help: "Multiply rewards by this before learning (episode returns are reported unscaled). (default: \(LearnerSettings().rewardScale); \(TaskDefaults.continuousControl.learning.rewardScale) for box actions)")
    var rewardScale: Float?

    @Option(help: "Divide rewards by the running standard deviation of each environment's discounted return (return), as Gymnasium's NormalizeReward does for CleanRL's MuJoCo PPO, or not (none); --reward-scale then multiplies them, 1 unless given. (default: none)")
    var rewardNormalization: RewardNormalization?

    @Option(help: "Weight of the baseline (value) loss.")
    var baselineCost: Float = LearnerSettings().baselineCost

    @Option(help: "Weight of the entropy bonus. (default: \(LearnerSettings().entropyCost); \(TaskDefaults.of(.minatarFreeway).learning.entropyCost) for minatar-freeway; \(TaskDefaults.of(.minatarSpaceInvaders).learning.entropyCost) for minatar-space-invaders; \(TaskDefaults.continuousControl.learning.entropyCost) for box actions)")
    var entropyCost: Float?

    @Flag(help: "Normalise each batch's policy-gradient advantages to mean 0, std 1 (as PPO does; without PPO's clipping it can collapse the policy: use a low learning rate).")
    var normalizeAdvantages = false

    @Option(help: "Clip the global gradient norm to this (0: no clipping). (default: \(LearnerSettings().maxGradientNorm.map { "\($0)" } ?? "0"); 0.5 for Atari frames)")
    var maxGradNorm: Float?

    @Option(help: "V-trace ρ̄ (importance weight clip for targets).")
    var clipRho: Float = VTrace.Parameters().clipRho

    @Option(help: "V-trace c̄ (trace-cutting clip).")
    var clipC: Float = VTrace.Parameters().clipC

    @Option(help: "Importance weight clip for policy-gradient advantages.")
    var clipPgRho: Float = VTrace.Parameters().clipPGRho

    @Option(help: "V-trace λ.")
    var lambda: Float = VTrace.Parameters().lambda

    @Option(help: "Unrolls waiting for the learner at most (back-pressure beyond). (default: \(LearningConfiguration().unrollQueueCapacity); 32 for Atari frames; two batches for minatar-breakout and box actions)")
    var unrollQueue: Int?

    @Option(help: "Threads of the learner's arithmetic: 1, or 2 to use the core inference leaves idle when training is the bottleneck (pixels, PPO's epochs). (default: 2 for the nature and impala torsos on frames of 36×36 and up, 1 otherwise)")
    var learnerThreads: Int?

    @Option(help: "When the unroll queue is full: block (inference waits), drop the oldest, or on-policy (the queue holds one batch, and inference pauses from the moment it is full until the learner has trained on it: every batch is acted by the parameters its training starts from, as synchronous PPO's). (default: block)")
    var unrollQueuePolicy: UnrollQueuePolicy?

    @Option(help: "Fraction of each batch re-drawn from the replay buffer, in [0, 1).")
    var replayRatio: Double = 0

    @Option(help: "Unrolls kept for replay.")
    var replayCapacity: Int = 1024

    @Option(help: "Replay sampling.")
    var replaySampling: ReplayBuffer.Sampling = .uniform

    func validate() throws {
        if (unrollLength ?? 1) < 1 || (batchSize ?? 1) < 1 { throw ValidationError("--unroll-length and --batch-size must be at least 1") }
        if let learningRate, !(learningRate > 0) { throw ValidationError("--learning-rate must be positive") }
        if let discount, !(0...1).contains(discount) { throw ValidationError("--discount must be in [0, 1]") }
        if let entropyCost, !(entropyCost >= 0) { throw ValidationError("--entropy-cost must not be negative") }
        if let rewardScale, !(rewardScale > 0 && rewardScale.isFinite) { throw ValidationError("--reward-scale must be positive") }
        if let learnerThreads, !(1...2).contains(learnerThreads) { throw ValidationError("--learner-threads must be 1 or 2") }
        if !(0..<1).contains(replayRatio) { throw ValidationError("--replay-ratio must be in [0, 1)") }
        if replayCapacity < 1 { throw ValidationError("--replay-capacity must be at least 1") }
        if (ppoEpochs ?? 1) < 1 || (ppoMinibatches ?? 1) < 1 { throw ValidationError("--ppo-epochs and --ppo-minibatches must be at least 1") }
        if !(ppoClip > 0 && ppoClip < 1) { throw ValidationError("--ppo-clip must be in (0, 1)") }
        if !(ppoValueClip >= 0 && ppoValueClip.isFinite) || !(ppoTargetKl >= 0 && ppoTargetKl.isFinite) {
            throw ValidationError("--ppo-value-clip and --ppo-target-kl must be finite and not negative")
        }
        if !(0...1).contains(gaeLambda) { throw ValidationError("--gae-lambda must be in [0, 1]") }
    }

    /// What `validate()` cannot check alone: the flags against the task's defaults they
    /// combine with (a task's PPO minibatches must still divide a batch size given by flag).
    private func check(_ settings: LearnerSettings) throws {
        guard settings.algorithm == .ppo else { return }
        if settings.batchSize % settings.ppo.minibatches != 0 {
            throw ValidationError("--ppo-minibatches (\(settings.ppo.minibatches)) must divide --batch-size (\(settings.batchSize))")
        }
        if replayRatio > 0 { throw ValidationError("--algorithm ppo does not take --replay-ratio (it reuses each batch itself)") }
    }

    /// The settings, each unset flag taken from `task`; a task that decays its learning rate
    /// over the step budget decays it over `budget` (nil: no budget, so a constant rate).
    func settings(for task: TaskDefaults = TaskDefaults(), budget: UInt64? = nil) throws -> LearnerSettings {
        var settings = task.learning
        settings.unrollLength = unrollLength ?? settings.unrollLength
        settings.batchSize = batchSize ?? settings.batchSize
        settings.discount = discount ?? settings.discount
        settings.baselineCost = baselineCost
        settings.entropyCost = entropyCost ?? settings.entropyCost
        settings.rewardNormalization = rewardNormalization ?? settings.rewardNormalization
        // Normalised rewards need no task's fixed scale on top (box actions' 0.1).
        settings.rewardScale = rewardScale ?? (settings.rewardNormalization == .returns ? 1 : settings.rewardScale)
        settings.normalizeAdvantages = normalizeAdvantages || settings.normalizeAdvantages
        if let maxGradNorm { settings.maxGradientNorm = maxGradNorm > 0 ? maxGradNorm : nil }
        let decayFrames = learningRateDecayFrames ?? (task.decaysLearningRateOverBudget ? budget : nil) ?? 0
        settings.learningRateDecayFrames = decayFrames > 0 ? decayFrames : nil
        settings.vtrace.clipRho = clipRho
        settings.vtrace.clipC = clipC
        settings.vtrace.clipPGRho = clipPgRho
        settings.vtrace.lambda = lambda
        settings.optimizer.kind = optimizer
        settings.algorithm = algorithm ?? settings.algorithm
        settings.ppo.epochs = ppoEpochs ?? settings.ppo.epochs
        settings.ppo.minibatches = ppoMinibatches ?? settings.ppo.minibatches
        settings.ppo.clip = ppoClip
        settings.ppo.valueClip = ppoValueClip > 0 ? ppoValueClip : nil
        settings.ppo.targetKL = ppoTargetKl > 0 ? ppoTargetKl : nil
        settings.ppo.lambda = gaeLambda
        settings.ppo.advantages = advantages
        settings.ppo.recomputesAdvantages = ppoRecomputeAdvantages ?? settings.ppo.recomputesAdvantages
        settings.optimizer.learningRate = learningRate ?? settings.optimizer.learningRate
        try check(settings)
        return settings
    }

    func configuration(for task: TaskDefaults = TaskDefaults(), budget: UInt64? = nil) throws -> LearningConfiguration {
        var configuration = LearningConfiguration()
        configuration.settings = try settings(for: task, budget: budget)
        configuration.unrollQueueCapacity = unrollQueue ?? task.unrollQueueCapacity ?? configuration.unrollQueueCapacity
        let batch = configuration.settings.batchSize
        if configuration.unrollQueueCapacity < batch { throw ValidationError("--unroll-queue must hold at least one batch (\(batch))") }
        configuration.unrollQueuePolicy = unrollQueuePolicy ?? configuration.unrollQueuePolicy
        if configuration.unrollQueuePolicy == .onPolicy {
            // Full must mean "a batch is ready", and every unroll trained on must be fresh.
            if let unrollQueue, unrollQueue != batch {
                throw ValidationError("--unroll-queue-policy on-policy holds exactly one batch: leave out --unroll-queue or make it \(batch)")
            }
            if replayRatio > 0 { throw ValidationError("--unroll-queue-policy on-policy trains on fresh unrolls only: it takes no --replay-ratio") }
            configuration.unrollQueueCapacity = batch
        }
        configuration.learnerThreads = learnerThreads
        configuration.replay = replayRatio > 0 ? ReplaySettings(ratio: replayRatio, capacity: replayCapacity, sampling: replaySampling) : nil
        return configuration
    }
}

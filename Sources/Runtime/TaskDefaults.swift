import Contract
import Environments
import LearnerLoop
import Model

/// What a task trains with when the command line does not say: the learner's own defaults
/// (`LearnerSettings`, which solve CartPole) for the classic tasks and external specs, and
/// only what differs for MinAtar's frames (BENCHMARKS.md, "Learning from pixels"). It holds
/// no value of its own for a learner setting: it starts from `LearnerSettings()`.
public struct TaskDefaults: Sendable, Equatable {
    public var torso: TorsoKind?
    /// Normalise observations inside the model.
    public var normalizesObservations = false
    public var learning = LearnerSettings()
    /// Unrolls waiting for the learner at most (nil: `LearningConfiguration`'s).
    public var unrollQueueCapacity: Int?
    /// Actor processes and environments (lanes) per process for `seedrl train`.
    public var actors = 1
    public var environmentsPerActor = 64
    /// `seedrl train`'s step budget.
    public var maxSteps: UInt64 = 2_000_000
    /// Decay the learning rate linearly to 0 over the step budget (`seedrl train`'s, the
    /// flag's or `maxSteps`); a server, which has no budget, keeps it constant.
    public var decaysLearningRateOverBudget = false

    public init() {}

    /// What every box-action task shares: observations normalised inside the model, rewards
    /// scaled down to keep returns of thousands from swamping the value loss, no entropy
    /// bonus (for a Gaussian it only widens σ; exploration comes from σ itself), γ 0.99 and
    /// a budget of 1M steps.
    private static var boxActions: TaskDefaults {
        var defaults = TaskDefaults()
        defaults.normalizesObservations = true
        defaults.learning.rewardScale = 0.1
        defaults.learning.entropyCost = 0
        defaults.learning.discount = 0.99
        defaults.maxSteps = 1_000_000
        return defaults
    }

    /// Flat states and box actions of an environment seedrl does not know (MuJoCo through
    /// the Python actor): PPO in CleanRL's MuJoCo shape — 2,048 transitions per batch (64
    /// unrolls of 32), 10 epochs of 32 minibatches, Adam 3e-4 decayed to 0 over the budget,
    /// gradient norm 0.5 — with a queue of two batches to bound the policy lag, and the
    /// advantages recomputed before every epoch. At 1M steps, Hopper-v5 2,719 over 3 seeds
    /// (2,834 over 5; 1,723 with the first epoch's advantages kept, single-pass V-trace 797)
    /// and HalfCheetah-v5 1,643 (BENCHMARKS.md, "PPO, the default for box actions" and
    /// "Hopper: advantages recomputed every epoch").
    public static var continuousControl: TaskDefaults {
        var defaults = boxActions
        defaults.learning.algorithm = .ppo
        defaults.learning.batchSize = 64
        defaults.learning.unrollLength = 32
        defaults.learning.ppo.epochs = 10
        defaults.learning.ppo.minibatches = 32
        defaults.learning.optimizer.learningRate = 3e-4
        defaults.learning.maxGradientNorm = 0.5
        defaults.learning.ppo.recomputesAdvantages = true
        defaults.decaysLearningRateOverBudget = true
        defaults.unrollQueueCapacity = 128
        return defaults
    }

    /// Pendulum, with V-trace: a short horizon (γ 0.9, as Stable-Baselines' tuned PPO),
    /// unrolls of 10 and a rate of 5e-4 (more, smaller steps per sample than CartPole's),
    /// observations as they are (cos, sin and a speed within ±8 need no normalising: with
    /// it, 3 seeds took longer). BENCHMARKS.md, "Continuous control".
    public static var pendulum: TaskDefaults {
        var defaults = boxActions
        defaults.normalizesObservations = false
        defaults.learning.discount = 0.9
        defaults.learning.unrollLength = 10
        defaults.learning.optimizer.learningRate = 5e-4
        return defaults
    }

    /// MinAtar's frames (10×10×channels): the `minatar` torso, γ 0.99, and the learning rate
    /// decayed to 0 over the budget. At 10M steps the decay lifted Asterix from 48.0 to 59.4
    /// and Seaquest from 85.1 to 124.7 (3 seeds each; BENCHMARKS.md, "MinAtar at 10M:
    /// the rate decayed over the budget").
    public static var minatarFrames: TaskDefaults {
        var defaults = TaskDefaults()
        defaults.torso = .minatar
        defaults.learning.discount = 0.99
        defaults.maxSteps = 5_000_000
        defaults.decaysLearningRateOverBudget = true
        return defaults
    }

    /// MinAtar Freeway: a tenth of the entropy bonus (and the rate decayed over the budget,
    /// as for every MinAtar game). Four of its six actions do nothing, so the usual bonus
    /// keeps a third of the probability off "up" (entropy about 1.2 nats all run) and the
    /// chicken dawdles: 55.7 at 10M with the decay alone, against 64.2 with both (3 seeds;
    /// BENCHMARKS.md, "MinAtar at 10M"). The other games did worse with so little bonus
    /// (seed 1: SpaceInvaders 252.5 against 315.2, Asterix 47.5 against 52.2, Breakout 17.6
    /// against 25.9). The decay keeps so little entropy stable: without it a 3M probe fell
    /// from 41 to 14.
    public static var minatarFreeway: TaskDefaults {
        var defaults = minatarFrames
        defaults.learning.entropyCost = 0.001
        return defaults
    }

    /// MinAtar SpaceInvaders: twice the entropy bonus (and the rate decayed over the
    /// budget). With neither its policy collapses (entropy 0.13 nats at 10M) and the score
    /// stalls near 300; with the bonus alone it learns faster but ends no higher (seed 1:
    /// 305.8 against 315.2); with both, 560.3 over 3 seeds (BENCHMARKS.md, "MinAtar at 10M:
    /// the rate decayed over the budget").
    public static var minatarSpaceInvaders: TaskDefaults {
        var defaults = minatarFrames
        defaults.learning.entropyCost = 0.02
        return defaults
    }

    /// MinAtar Asterix: a learning rate of 3e-3, half again the default (and decayed over
    /// the budget, as for every MinAtar game): at 10M steps 61.8 over 3 seeds (60.1, 61.4,
    /// 64.0) against 59.4 at 2e-3; half the entropy bonus did worse (seed 1: 52.6 against
    /// 58.7). BENCHMARKS.md, "Asterix at a higher rate".
    public static var minatarAsterix: TaskDefaults {
        var defaults = minatarFrames
        defaults.learning.optimizer.learningRate = 3e-3
        return defaults
    }

    /// MinAtar Breakout: PPO in the shape of purejaxrl's MinAtar runs — batches of 64 unrolls
    /// of 128 (8,192 transitions), 4 epochs of 8 minibatches, Adam 5e-3 (purejaxrl's MinAtar
    /// rate) decayed to 0 over the budget, the advantages recomputed before every epoch —
    /// with a queue of two batches to bound the policy lag. At 10M steps: 60.8 over 3 seeds
    /// (86.4 / 31.6 / 64.4), against 52.2 at 3e-3 with the advantages kept (51.5 / 55.8 /
    /// 49.2), 48.7 at 3e-3 recomputed, 39.5 with the recipe before (batches of 32 × 20, Adam
    /// 1e-3 constant) and 26.5 with the V-trace defaults. The seeds spread widely: a run that
    /// does not get past the first wall of bricks by 8M steps ends near 30 (BENCHMARKS.md,
    /// "Breakout at 5e-3, the advantages recomputed").
    public static var minatarBreakout: TaskDefaults {
        var defaults = minatarFrames
        defaults.learning.algorithm = .ppo
        defaults.learning.batchSize = 64
        defaults.learning.unrollLength = 128
        defaults.learning.ppo.minibatches = 8
        defaults.learning.ppo.recomputesAdvantages = true
        defaults.learning.optimizer.learningRate = 5e-3
        defaults.unrollQueueCapacity = 128
        return defaults
    }

    /// Atari's preprocessed frames (84×84×4): the settings that learned Pong (BENCHMARKS.md,
    /// "Atari"; scripts/bench-atari.sh): the `nature` torso, Adam 6e-4, 80 transitions per
    /// update (B 8 × T 10), gradient norm clipped at 0.5, and a short unroll queue to keep
    /// the policy lag small.
    public static var atariFrames: TaskDefaults {
        var defaults = TaskDefaults()
        defaults.torso = .nature
        defaults.learning.discount = 0.99
        defaults.learning.optimizer.learningRate = 6e-4
        defaults.learning.batchSize = 8
        defaults.learning.unrollLength = 10
        defaults.learning.maxGradientNorm = 0.5
        defaults.unrollQueueCapacity = 32
        defaults.maxSteps = 10_000_000
        return defaults
    }

    /// The defaults of an environment seedrl knows only by its Spec (`gym:ID`, `atari:GAME`),
    /// chosen by the kind of observation and action: Atari frames, MinAtar-sized frames, box
    /// actions (continuous control), or else the classic-control defaults.
    public static func of(external spec: ObservationSpec) -> TaskDefaults {
        let frames = spec.shape.count == 3
        if frames && spec.shape[0] == 84 && spec.shape[1] == 84 { return atariFrames }
        if frames && spec.shape[0] == 10 && spec.shape[1] == 10 { return minatarFrames }
        if case .box = spec.action { return continuousControl }
        return TaskDefaults()
    }

    /// The defaults of `environment` (nil: an environment seedrl does not know, whose
    /// `action` space decides: box actions get `continuousControl`).
    public static func of(_ environment: KnownEnvironment?, action: ActionSpec? = nil) -> TaskDefaults {
        var defaults = TaskDefaults()
        switch environment {
        case .minatarFreeway?:
            defaults = minatarFreeway
        case .minatarBreakout?:
            defaults = minatarBreakout
        case .minatarSpaceInvaders?:
            defaults = minatarSpaceInvaders
        case .minatarAsterix?:
            defaults = minatarAsterix
        case .minatarSeaquest?:
            defaults = minatarFrames
        case .pendulum?:
            defaults = pendulum
        case nil:
            if case .box? = action { defaults = continuousControl }
        default:
            break
        }
        return defaults
    }
}

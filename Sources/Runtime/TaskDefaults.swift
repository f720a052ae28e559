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

    public init() {}

    /// Flat states and box actions of an environment seedrl does not know (MuJoCo through
    /// the Python actor): observations normalised inside the model, rewards scaled down to
    /// keep returns of thousands from swamping the value loss, no entropy bonus (for a
    /// Gaussian it only widens σ; exploration comes from σ itself).
    public static var continuousControl: TaskDefaults {
        var defaults = TaskDefaults()
        defaults.normalizesObservations = true
        defaults.learning.rewardScale = 0.1
        defaults.learning.entropyCost = 0
        defaults.learning.discount = 0.99
        defaults.learning.unrollLength = 10
        // HalfCheetah-v5 at 1M steps, seed 1: 896 at 5e-4, 1,028 at 1e-3, 752 at 2e-3.
        defaults.learning.optimizer.learningRate = 1e-3
        defaults.maxSteps = 1_000_000
        return defaults
    }

    /// Pendulum: a short horizon (γ 0.9, as Stable-Baselines' tuned PPO), shorter unrolls
    /// and a lower rate than CartPole's (more, smaller steps per sample), observations as
    /// they are (cos, sin and a speed within ±8 need no normalising: with it, 3 seeds took
    /// longer). BENCHMARKS.md, "Continuous control".
    public static var pendulum: TaskDefaults {
        var defaults = continuousControl
        defaults.normalizesObservations = false
        defaults.learning.discount = 0.9
        defaults.learning.optimizer.learningRate = 5e-4
        return defaults
    }

    /// MinAtar's frames (10×10×channels): the `minatar` torso and γ 0.99, as for the Swift ports.
    public static var minatarFrames: TaskDefaults {
        var defaults = TaskDefaults()
        defaults.torso = .minatar
        defaults.learning.discount = 0.99
        defaults.maxSteps = 5_000_000
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
        case .minatarBreakout?, .minatarAsterix?, .minatarFreeway?, .minatarSpaceInvaders?, .minatarSeaquest?:
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

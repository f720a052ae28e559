import Environments
import LearnerLoop

/// Hyperparameters a task trains with when the command line does not say: CartPole's
/// (the learner's own defaults) for the classic tasks, and what was measured to work for
/// MinAtar's frames (BENCHMARKS.md, "Learning from pixels").
public struct TaskDefaults: Sendable, Equatable {
    public var torso: TorsoKind?
    public var discount: Float = 0.98
    public var learningRate: Float = 2e-3
    public var batchSize = 8
    public var unrollLength = 20
    public var entropyCost: Float = 0.01
    /// Actor processes and environments (lanes) per process for `seedrl train`.
    public var actors = 1
    public var environmentsPerActor = 64
    /// `seedrl train`'s step budget.
    public var maxSteps: UInt64 = 2_000_000

    public init() {}

    /// The defaults of `environment` (nil: an environment seedrl does not know).
    public static func of(_ environment: KnownEnvironment?) -> TaskDefaults {
        var defaults = TaskDefaults()
        switch environment {
        case .minatarBreakout?, .minatarAsterix?, .minatarFreeway?, .minatarSpaceInvaders?:
            defaults.torso = .minatar
            defaults.discount = 0.99
            defaults.maxSteps = 5_000_000
        default:
            break
        }
        return defaults
    }
}

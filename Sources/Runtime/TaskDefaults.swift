import Environments
import LearnerLoop
import Model

/// What a task trains with when the command line does not say: the learner's own defaults
/// (`LearnerSettings`, which solve CartPole) for the classic tasks and external specs, and
/// only what differs for MinAtar's frames (BENCHMARKS.md, "Learning from pixels"). It holds
/// no value of its own for a learner setting: it starts from `LearnerSettings()`.
public struct TaskDefaults: Sendable, Equatable {
    public var torso: TorsoKind?
    public var learning = LearnerSettings()
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
            defaults.learning.discount = 0.99
            defaults.maxSteps = 5_000_000
        default:
            break
        }
        return defaults
    }
}

import Contract

/// An environment in dm_env terms: `reset` starts an episode (a FIRST time step),
/// `step` advances it (MID, or LAST when it terminated or was truncated).
///
/// Not thread-safe: each environment belongs to one actor loop.
public protocol Environment: AnyObject {
    /// What the environment emits, for checking against the server's GetSpec.
    var spec: ObservationSpec { get }
    /// Starts a new episode; writes the first observation.
    func reset(observation: UnsafeMutableRawBufferPointer)
    /// Applies the action row (`spec.action.width` floats, see `ActionSpec`: a box's values
    /// already within bounds); writes the next observation and says what happened.
    func step(action: UnsafePointer<Float>, observation: UnsafeMutableRawBufferPointer) -> StepOutcome
}

/// An environment whose action is one class index.
public protocol DiscreteEnvironment: Environment {
    /// Applies action `action` (in 0..<spec's count).
    func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome
}

extension DiscreteEnvironment {
    public func step(action: UnsafePointer<Float>, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        step(action: Int(action[0]), observation: observation)
    }
}

extension Environment {
    /// Applies the class index `action` (a discrete environment's; scripted policies, tests).
    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        var row = Float(action)
        return step(action: &row, observation: observation)
    }
}

/// The result of one environment step.
public struct StepOutcome: Sendable, Equatable {
    public var reward: Float
    /// The episode is over (LAST): terminated (discount 0) or truncated (discount 1).
    public var isLast: Bool
    /// 0 when terminated, 1 otherwise (including truncation), as dm_env defines it.
    public var discount: Float

    public init(reward: Float, isLast: Bool, discount: Float) {
        self.reward = reward
        self.isLast = isLast
        self.discount = discount
    }
}

/// The environments seedrl knows by name, for the command line, actors and the evaluator.
public enum KnownEnvironment: String, Sendable, CaseIterable {
    case cartpole, acrobot, mountaincar, pendulum
    case `catch`, recall
    case pixelCatch = "pixel-catch"
    case syntheticFrames = "synthetic-frames"
    case minatarBreakout = "minatar-breakout", minatarAsterix = "minatar-asterix"
    case minatarFreeway = "minatar-freeway", minatarSpaceInvaders = "minatar-space-invaders"
    case minatarSeaquest = "minatar-seaquest"

    /// By name or alias ("CartPole-v1", "frames"), case-insensitively.
    public init?(named name: String) {
        let lowered = name.lowercased()
        if let known = KnownEnvironment(rawValue: lowered) {
            self = known
            return
        }
        switch lowered {
        case "cartpole-v1": self = .cartpole
        case "acrobot-v1": self = .acrobot
        case "mountaincar-v0": self = .mountaincar
        case "pendulum-v1": self = .pendulum
        case "frames": self = .syntheticFrames
        // MinAtar's Gymnasium ids with the full action set (-v1 is the minimal one).
        case "minatar/breakout-v0": self = .minatarBreakout
        case "minatar/asterix-v0": self = .minatarAsterix
        case "minatar/freeway-v0": self = .minatarFreeway
        case "minatar/spaceinvaders-v0": self = .minatarSpaceInvaders
        case "minatar/seaquest-v0": self = .minatarSeaquest
        default: return nil
        }
    }

    public static var names: [String] { allCases.map(\.rawValue) }

    public func make(seed: UInt64) -> Environment {
        switch self {
        case .cartpole: CartPole(seed: seed)
        case .acrobot: Acrobot(seed: seed)
        case .mountaincar: MountainCar(seed: seed)
        case .pendulum: Pendulum(seed: seed)
        case .catch: Catch(seed: seed)
        case .pixelCatch: PixelCatch(seed: seed)
        case .recall: Recall(seed: seed)
        case .syntheticFrames: SyntheticFrames(seed: seed)
        case .minatarBreakout: MinAtarEnvironment(.breakout, seed: seed)
        case .minatarAsterix: MinAtarEnvironment(.asterix, seed: seed)
        case .minatarFreeway: MinAtarEnvironment(.freeway, seed: seed)
        case .minatarSpaceInvaders: MinAtarEnvironment(.spaceInvaders, seed: seed)
        case .minatarSeaquest: MinAtarEnvironment(.seaquest, seed: seed)
        }
    }

    public var spec: ObservationSpec { make(seed: 0).spec }

    /// The last-100 mean return at which the task counts as solved: Gymnasium's
    /// `reward_threshold` where it has one, the maximum return otherwise; nil for tasks
    /// with no such notion (synthetic frames: a load generator, not a task; MinAtar: no
    /// threshold and no maximum).
    public var solvedReturn: Double? {
        switch self {
        case .cartpole: 475
        case .acrobot: -100
        case .mountaincar: -110
        case .pendulum: -200  // no reward_threshold in Gymnasium: the continuous-control issue's target
        case .catch, .pixelCatch: 1
        case .recall: 1
        case .syntheticFrames, .minatarBreakout, .minatarAsterix, .minatarFreeway, .minatarSpaceInvaders, .minatarSeaquest: nil
        }
    }
}

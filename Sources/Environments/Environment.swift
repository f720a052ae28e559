/// An environment in dm_env terms: `reset` starts an episode (a FIRST time step),
/// `step` advances it (MID, or LAST when it terminated or was truncated).
///
/// Not thread-safe: each environment belongs to one actor loop.
public protocol Environment: AnyObject {
    /// What the environment emits, for checking against the server's GetSpec.
    var spec: EnvironmentSpec { get }
    /// Starts a new episode; writes the first observation.
    func reset(observation: UnsafeMutableRawBufferPointer)
    /// Applies `action`; writes the next observation and says what happened.
    func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome
}

public struct EnvironmentSpec: Sendable, Equatable {
    public enum ElementType: Sendable, Equatable { case float32, uint8 }
    public let name: String
    public let shape: [Int]
    public let elementType: ElementType
    public let numActions: Int

    public init(name: String, shape: [Int], elementType: ElementType, numActions: Int) {
        self.name = name
        self.shape = shape
        self.elementType = elementType
        self.numActions = numActions
    }

    public var byteCount: Int { shape.reduce(1, *) * (elementType == .float32 ? 4 : 1) }
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

/// Environments by name, for the command line and actors.
public enum EnvironmentRegistry {
    public static let names = ["cartpole", "acrobot", "mountaincar", "catch", "recall", "synthetic-frames"]

    public static func make(_ name: String, seed: UInt64) -> Environment? {
        switch name.lowercased() {
        case "cartpole", "cartpole-v1": CartPole(seed: seed)
        case "acrobot", "acrobot-v1": Acrobot(seed: seed)
        case "mountaincar", "mountaincar-v0": MountainCar(seed: seed)
        case "catch": Catch(seed: seed)
        case "recall": Recall(seed: seed)
        case "synthetic-frames", "frames": SyntheticFrames(seed: seed)
        default: nil
        }
    }

    public static func spec(_ name: String) -> EnvironmentSpec? {
        make(name, seed: 0)?.spec
    }
}

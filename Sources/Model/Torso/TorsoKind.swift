import Contract

/// The torso: what turns an observation into features for the core and heads.
public enum TorsoKind: String, Sendable, CaseIterable, Equatable {
    /// Dense tanh layers (`hiddenSizes`), over frames average-pooled 4×4 first.
    case mlp
    /// Two MLPs of `hiddenSizes`, both reading the observation: one for the policy, one for
    /// the value. Nothing is shared, so the value loss cannot pull on the policy's features
    /// (what MuJoCo's PPO learners use; Andrychowicz et al. 2021 found it better than one
    /// shared torso). Stored as one MLP twice as wide whose crossed weights are held at 0.
    case separateMLP = "mlp-separate"
    /// MinAtar's own network: conv 16 3×3 stride 1 (ReLU), dense 128 (ReLU).
    case minatar
    /// The Nature DQN network: conv 32 8×8/4, 64 4×4/2, 64 3×3/1 (ReLU each), dense 512 (ReLU).
    case nature
    /// IMPALA's deep ResNet: stages of 16, 32, 32 channels (conv 3×3, max-pool 3×3/2, two
    /// residual blocks each), ReLU, dense 256 (ReLU).
    case impala

    /// The torso that fits an observation: for images (rank 3) the network designed for
    /// their size — MinAtar's for frames up to 16×16, the Nature DQN network for Atari-sized
    /// ones (at least 36×36, what its strides need), IMPALA's (any size) in between — and
    /// the MLP for everything flat. Nature over IMPALA for 84×84: on a CPU learner it
    /// infers ~9× more frames per second (BENCHMARKS.md, "Pixels").
    public static func natural(for observation: ObservationFormat) -> TorsoKind {
        let shape = observation.shape
        guard shape.count == 3 else { return .mlp }
        if shape[0] <= 16 && shape[1] <= 16 { return .minatar }
        if shape[0] >= 36 && shape[1] >= 36 { return .nature }
        return .impala
    }

    public var isConvolutional: Bool { !isMLP }

    /// Dense tanh layers of `hiddenSizes`: `mlp` and `mlp-separate`.
    public var isMLP: Bool { self == .mlp || self == .separateMLP }
}

import Contract
import InferenceServer
import LearnerLoop
import Model
import Replay

/// The model a learner builds when it does not resume one.
public struct ModelOptions: Sendable, Equatable {
    /// The torso (nil: the one that fits the observation: a conv torso for frames).
    public var torso: TorsoKind?
    /// Widths of the MLP torso's dense layers.
    public var hiddenSizes: [Int] = [64, 64]
    /// Width of an LSTM core between torso and heads (nil: feed-forward).
    public var lstmSize: Int?
    /// Seed of the initial parameters and of action sampling.
    public var seed: UInt64 = 1
    /// Normalise the inputs by running statistics (`ModelArchitecture.normalizesInputs`).
    public var normalizesInputs = false
    /// The σ a Gaussian head starts with (nil: 1). Only initialisation: a resumed run keeps
    /// its checkpoint's σ, and other heads have none.
    public var initialActionStd: Float?

    public init() {}

    /// The architecture these options give for `spec`.
    public func architecture(for spec: ObservationSpec) -> ModelArchitecture {
        ModelArchitecture(observation: spec.format, torso: torso ?? TorsoKind.natural(for: spec.format),
                          hiddenSizes: hiddenSizes, action: spec.action, lstmSize: lstmSize, normalizesInputs: normalizesInputs)
    }
}

/// How the learner trains on what the server records.
public struct LearningConfiguration: Sendable {
    public var settings = LearnerSettings()
    /// Unrolls waiting for the learner at most, and what happens when it is full.
    public var unrollQueueCapacity = 256
    /// Threads of the learner's arithmetic: 1, or 2 (`SplitCPUBackend`: the core inference
    /// leaves idle); nil: the default for the model (`learnerThreads(for:)`).
    public var learnerThreads: Int?
    public var unrollQueuePolicy: UnrollQueuePolicy = .block
    public var replay: ReplaySettings?

    public init() {}

    func makeQueue() -> UnrollQueue { UnrollQueue(capacity: unrollQueueCapacity, policy: unrollQueuePolicy) }

    /// The threads the learner runs on for `architecture`: as set, or two for a conv torso
    /// (nature, impala) on Atari-sized frames (36×36 and up), where the steps are long
    /// enough that training is the bottleneck and the actors are other processes (Pong
    /// with PPO: 1.29–1.44× the agent steps/s on two, BENCHMARKS); one for the rest, whose
    /// shorter steps gain less than `seedrl train`'s in-process actors would lose.
    public func learnerThreads(for architecture: ModelArchitecture) -> Int {
        if let learnerThreads { return learnerThreads }
        let shape = architecture.observation.shape
        let atariSized = shape.count == 3 && shape[0] >= 36 && shape[1] >= 36
        return atariSized && (architecture.torso == .nature || architecture.torso == .impala) ? 2 : 1
    }
}

/// Where and how often the learner checkpoints, and whether it resumes.
public struct CheckpointPlan: Sendable {
    public var directory: CheckpointDirectory
    public var intervalSeconds: Double
    /// Ignore existing checkpoints and start afresh (they are moved aside).
    public var fresh: Bool
    /// The command line (secrets redacted), stored in each checkpoint.
    public var configuration: String

    public init(directory: CheckpointDirectory, intervalSeconds: Double, fresh: Bool, configuration: String) {
        self.directory = directory
        self.intervalSeconds = intervalSeconds
        self.fresh = fresh
        self.configuration = configuration
    }
}

/// Everything a learner process is made of: what it serves and how, the model, whether
/// and how it trains, its checkpoints, and its place in a data-parallel job.
public struct LearnerConfiguration: Sendable {
    /// The spec, addresses, limits, token and TLS of the server.
    public var server: LearnerServerConfiguration
    public var model = ModelOptions()
    /// nil: serve inference only.
    public var learning: LearningConfiguration?
    public var checkpoints: CheckpointPlan?
    /// A trained policy to serve when there is no checkpoint plan (`server --no-train
    /// --checkpoint`): its parameters and model, read once, nothing written back.
    public var servedCheckpoint: (checkpoint: Checkpoint, file: String)?
    /// Serve the most likely action instead of a sample (an evaluation server: no learning).
    public var servesGreedy = false
    /// This process's rank in a data-parallel job (nil: a learner alone).
    public var job: DataParallelJob?
    /// Longest a stopping learner trains on what is queued before the final checkpoint.
    public var drainSeconds = 10.0

    public init(server: LearnerServerConfiguration) {
        self.server = server
    }
}

import ArgumentParser
import Environments
import LearnerLoop
import Logging
import Replay

// Flags that take one of a fixed set of values are enums: `--help` lists the values and
// the parser refuses anything else with the list.

extension KnownEnvironment: ExpressibleByArgument {
    public init?(argument: String) { self.init(named: argument) }
}

extension OptimizerKind: ExpressibleByArgument {}
extension TorsoKind: ExpressibleByArgument {}
extension UnrollQueuePolicy: ExpressibleByArgument {}
extension ReplayBuffer.Sampling: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// The model's core between the torso and the heads.
enum ModelCore: String, CaseIterable, ExpressibleByArgument {
    /// None: a feed-forward model.
    case mlp
    /// An LSTM whose state lives on the learner, one per stream.
    case lstm
}

/// Observation element types an external spec may declare.
enum ObservationDType: String, CaseIterable, ExpressibleByArgument {
    case float32, uint8
}

import ArgumentParser
import Environments
import LearnerLoop
import Model
import Logging
import Replay

// Flags that take one of a fixed set of values are enums: `--help` lists the values and
// the parser refuses anything else with the list.

extension KnownEnvironment: ExpressibleByArgument {
    public init?(argument: String) { self.init(named: argument) }
}

extension OptimizerKind: ExpressibleByArgument {}
extension AlgorithmKind: ExpressibleByArgument {}
extension RewardNormalization: ExpressibleByArgument {}
extension PPOAdvantages: ExpressibleByArgument {}
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

/// The longest any `-seconds` flag may be: about 115 days. Anything longer is surely a typo
/// (`1e300`), and `inf` would trap where the value becomes integer milliseconds.
let maxFlagSeconds = 1e7

/// Refuses a `-seconds` flag that is not a finite number in 0...maxFlagSeconds (or in
/// `minimum`... for flags that must be positive), with the flag's name.
func checkSeconds(_ value: Double, _ flag: String, minimum: Double = 0, exclusive: Bool = false) throws {
    let aboveMinimum = exclusive ? value > minimum : value >= minimum
    guard value.isFinite, aboveMinimum, value <= maxFlagSeconds else {
        let lower = exclusive ? "more than \(minimum)" : "at least \(minimum)"
        throw ValidationError("\(flag) must be a number of seconds, \(lower) and at most \(Int(maxFlagSeconds)), got \(value)")
    }
}

/// Refuses a magnitude bound that is not a positive number (`inf` turns the bound off).
func checkBound(_ value: Double, _ flag: String) throws {
    guard !value.isNaN, value > 0 else { throw ValidationError("\(flag) must be positive (inf: no bound), got \(value)") }
}

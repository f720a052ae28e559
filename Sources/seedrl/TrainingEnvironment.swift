import ArgumentParser
import Contract
import Environments
import Runtime

/// What `seedrl train --env` names: an environment written in Swift (run by `seedrl actor`
/// processes) or a Gymnasium one (`gym:ID`, `atari:GAME`, run by the Python actor), with
/// what the command needs of it.
enum TrainingEnvironment {
    case swift(KnownEnvironment)
    case python(GymnasiumEnvironment, actor: String)

    /// Resolves `--env`; a Gymnasium environment is described by the Python actor (which must
    /// be installed: otherwise the error says how).
    static func resolve(_ option: GymnasiumEnvironmentOption, command: String) throws -> TrainingEnvironment {
        let name = option.env, imports = option.imports
        guard case .gymnasium(let kind, let id) = name else { return .swift(name.known!) }
        do {
            let actor = try PythonActor.executable()
            return .python(try GymnasiumEnvironment.describe(kind: kind, id: id, imports: imports, actor: actor), actor: actor)
        } catch {
            Console.error("seedrl \(command): --env \(name): \(error)")
            throw ExitCode(1)
        }
    }

    var spec: ObservationSpec {
        switch self {
        case .swift(let known): known.spec
        case .python(let gym, _): gym.spec
        }
    }

    var defaults: TaskDefaults {
        switch self {
        case .swift(let known): return TaskDefaults.of(known)
        case .python(let gym, _):
            var defaults = TaskDefaults.of(external: gym.spec)
            // Environments stepped in Python cost more per step than the Swift ports.
            defaults.environmentsPerActor = 32
            return defaults
        }
    }

    /// The return that counts as solved (Gymnasium's `reward_threshold` for gym:ID).
    var solvedReturn: Double? {
        switch self {
        case .swift(let known): known.solvedReturn
        case .python(let gym, _): gym.rewardThreshold
        }
    }

    var directoryName: String {
        switch self {
        case .swift(let known): known.rawValue
        case .python(let gym, _): gym.directoryName
        }
    }

    var program: ActorFleet.Plan.Program {
        switch self {
        case .swift(let known): .seedrl(environment: known.rawValue)
        case .python(let gym, let actor): .python(executable: actor, environment: gym.actorArguments)
        }
    }
}

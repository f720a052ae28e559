import ArgumentParser
import Environments
import Runtime

/// `--env` and `--import` of the commands that run an environment themselves (train, eval):
/// one written in Swift, or a Gymnasium one stepped by the Python actor.
struct GymnasiumEnvironmentOption: ParsableArguments {
    @Option(help: ArgumentHelp("Environment: \(KnownEnvironment.allCases.map(\.rawValue).joined(separator: ", ")); or gym:ID (any registered Gymnasium id) or atari:GAME, stepped by the Python actor (the Spec comes from the environment).", valueName: "env"))
    var env: ServedEnvironment = .known(.cartpole)

    @Option(name: .customLong("import"), help: ArgumentHelp("With gym:ID: a module the Python actor imports first to register the id (e.g. minatar.gym); repeatable.", valueName: "module"))
    var imports: [String] = []

    func validate() throws {
        if !imports.isEmpty, case .known = env { throw ValidationError("--import goes with --env gym:ID") }
    }
}

/// `--env`: an environment written in Swift, or a Gymnasium one by name (`gym:ID`, `atari:GAME`).
enum ServedEnvironment: ExpressibleByArgument, CustomStringConvertible {
    case known(KnownEnvironment)
    case gymnasium(GymnasiumEnvironment.Kind, String)

    init?(argument: String) {
        if let known = KnownEnvironment(argument: argument) {
            self = .known(known)
        } else if let (kind, id) = GymnasiumEnvironment.parse(argument) {
            self = .gymnasium(kind, id)
        } else {
            return nil
        }
    }

    var known: KnownEnvironment? {
        if case .known(let known) = self { return known }
        return nil
    }

    /// As it is named on the command line.
    var description: String {
        switch self {
        case .known(let known): known.rawValue
        case .gymnasium(let kind, let id): "\(kind.rawValue):\(id)"
        }
    }
}

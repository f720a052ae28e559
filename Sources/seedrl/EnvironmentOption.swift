import ArgumentParser
import Environments

/// `--env`, written once for the commands that run environments (actor, train, eval).
struct EnvironmentOption: ParsableArguments {
    @Option(help: "Environment.")
    var env: KnownEnvironment = .cartpole
}

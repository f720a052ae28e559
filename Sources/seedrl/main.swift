import ArgumentParser
import CSystem

/// `seedrl`: a SEED RL style learner over the gRPC C core.
struct SeedRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seedrl",
        abstract: "A SEED RL style learner: centralized batched inference for many actors over gRPC.",
        subcommands: [ServerCommand.self, ActorCommand.self, TrainCommand.self, EvalCommand.self, BenchCommand.self, LearnerBenchCommand.self, StatsCommand.self, PlotCommand.self]
    )
}

seedrl_tune_malloc()
SeedRL.main()

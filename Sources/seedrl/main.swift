#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CSystem

/// `seedrl`: a SEED RL style learner over the gRPC C core.
struct SeedRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seedrl",
        abstract: "A SEED RL style learner: centralized batched inference for many actors over gRPC.",
        subcommands: [ServerCommand.self, ActorCommand.self, TrainCommand.self, EvalCommand.self, BenchCommand.self, LearnerBenchCommand.self, ModelBenchCommand.self, ExportCommand.self, StatsCommand.self, PlotCommand.self, ConformanceCommand.self]
    )
}

seedrl_tune_malloc()
// A closed stdout or stderr pipe (`seedrl server | head`, a logger that went away) must
// not kill the learner before its final checkpoint: writes fail with EPIPE instead.
signal(SIGPIPE, SIG_IGN)
SeedRL.main()

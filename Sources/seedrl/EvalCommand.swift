import ArgumentParser
import Environments
import LearnerLoop
import Model
import LinearAlgebra
import Runtime

/// `seedrl eval`: a checkpoint's policy on local environments, no server.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint's policy locally: mean ± std return over episodes.")

    @Option(help: "Checkpoint file, or a log directory (its newest valid checkpoint).")
    var checkpoint: String

    @OptionGroup var environment: GymnasiumEnvironmentOption

    @Option(help: "Episodes to run.")
    var episodes: Int = 100

    @Flag(help: "Take the most likely action instead of sampling.")
    var greedy = false

    @Option(help: "Seed of environments and sampling.")
    var seed: UInt64 = 12345

    func validate() throws {
        if episodes < 1 { throw ValidationError("--episodes must be at least 1") }
    }

    func run() throws {
        BLAS.useSingleThread()
        let loaded: Checkpoint
        do {
            loaded = try CheckpointDirectory.load(checkpoint) { Console.error("seedrl eval: skipping \($0)") }
        } catch {
            Console.error("seedrl eval: \(error)")
            throw ExitCode(1)
        }
        let returns: [Double]
        switch try TrainingEnvironment.resolve(environment, command: "eval") {
        case .swift(let known):
            returns = Evaluation.run(checkpoint: loaded, environment: known.make(seed: seed), episodes: episodes, greedy: greedy, seed: seed)
        case .python(let gym, let actor):
            do {
                returns = try GymnasiumEvaluation.run(checkpoint: loaded, file: checkpoint, environment: gym, actor: actor,
                                                      episodes: episodes, greedy: greedy, seed: seed)
            } catch {
                Console.error("seedrl eval: \(error)")
                throw ExitCode(1)
            }
        }
        let mean = returns.reduce(0, +) / Double(returns.count)
        let std = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count)).squareRoot()
        Console.line("\(environment.env): \(episodes) episodes, \(greedy ? "greedy" : "sampled") actions, model version \(loaded.version): "
            + "return \(format(mean, decimals: 1)) ± \(format(std, decimals: 1)) (min \(format(returns.min()!)), max \(format(returns.max()!)))")
    }
}
